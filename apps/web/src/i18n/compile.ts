// The message compiler for English, the source language. English messages travel in the code
// that uses them (each page's chunk carries its own words, as before translations), so no English
// catalog loads at all; Lingui compiles a message on first use with this compiler. It knows the
// ICU subset the SPA writes: text, {arg}, {arg, plural|selectordinal|select, key {…}} with `#`, and
// apostrophe quoting. Other languages come precompiled from their catalogs and never reach it.
// A unit test checks it against Lingui's own compiler (@lingui/message-utils) for every message.

export type CompiledMessage = (string | CompiledToken)[];
type CompiledToken = [string] | [string, string] | [string, string, Record<string, unknown> | string];

const cache = new Map<string, CompiledMessage>();

export function compileMessage(message: string): CompiledMessage {
  let compiled = cache.get(message);
  if (!compiled) {
    const parser = new Parser(message);
    compiled = parser.tokens(false);
    if (parser.at < message.length) compiled = [message];
    cache.set(message, compiled);
  }
  return compiled;
}

class Parser {
  at = 0;
  constructor(private readonly text: string) {}

  /** Tokens up to an unmatched `}` or the end; `#` is its own token inside plural cases. */
  tokens(inPlural: boolean): CompiledMessage {
    const out: CompiledMessage = [];
    let literal = '';
    const flush = () => {
      if (literal) out.push(literal);
      literal = '';
    };
    while (this.at < this.text.length) {
      const c = this.text[this.at]!;
      if (c === '}') break;
      if (c === '{') {
        flush();
        out.push(this.argument());
        continue;
      }
      if (c === '#' && inPlural) {
        flush();
        out.push('#');
        this.at++;
        continue;
      }
      if (c === "'") {
        literal += this.quoted(inPlural);
        continue;
      }
      literal += c;
      this.at++;
    }
    flush();
    return out;
  }

  /** `''` is one apostrophe; an apostrophe before a syntax character quotes up to the next one. */
  private quoted(inPlural: boolean): string {
    const next = this.text[this.at + 1];
    if (next === "'") {
      this.at += 2;
      return "'";
    }
    if (next === '{' || next === '}' || (inPlural && next === '#')) {
      const end = this.text.indexOf("'", this.at + 1);
      const stop = end === -1 ? this.text.length : end;
      const value = this.text.slice(this.at + 1, stop).replaceAll("''", "'");
      this.at = stop + 1;
      return value;
    }
    this.at++;
    return "'";
  }

  private argument(): CompiledToken {
    this.at++; // {
    const name = this.word();
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return [name];
    }
    this.at++; // ,
    this.space();
    const type = this.word();
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return [name, type];
    }
    this.at++; // ,
    if (type !== 'plural' && type !== 'selectordinal' && type !== 'select') {
      const end = this.text.indexOf('}', this.at);
      const style = this.text.slice(this.at, end).trim();
      this.at = end + 1;
      return [name, type, style];
    }
    const cases: Record<string, unknown> = {};
    if (type !== 'select') cases.offset = undefined;
    for (;;) {
      this.space();
      if (this.text[this.at] === '}' || this.at >= this.text.length) break;
      let key = this.word();
      if (key.startsWith('offset:')) {
        cases.offset = Number(key.slice(7));
        continue;
      }
      if (key.startsWith('=')) key = key.slice(1);
      this.space();
      this.at++; // {
      cases[key] = this.tokens(type !== 'select');
      this.at++; // }
    }
    this.at++; // }
    return [name, type, cases];
  }

  private word(): string {
    const start = this.at;
    while (this.at < this.text.length && !/[\s,{}]/.test(this.text[this.at]!)) this.at++;
    return this.text.slice(start, this.at);
  }

  private space() {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }
}
