// The shared rules of packages/permissions explain themselves in English (the API's wording); the
// SPA says the same in the active language from their stable codes and parameters.
import { plural, t } from '@lingui/core/macro';
import { emailIssueCode, getPermission, TEXT_LIMITS, type ControlReason, type CustomRoleIssue } from '@gatehouse/permissions';

function listOf(missing: readonly string[]): string {
  const shown = missing
    .slice(0, 3)
    .map((p) => getPermission(p)?.key ?? p)
    .join(', ');
  const more = missing.length - 3;
  return more > 0 ? t`${shown} and ${more} more` : shown;
}

/** A disabled control's reason (roleChangeReason, roleToggleReason, memberActionReason, addRoleReason). */
export function reasonText(reason: ControlReason): string {
  const p = reason.params;
  if (!p) return reason.message;
  const names = (p.roles ?? []).join(', ');
  switch (reason.code) {
    case 'SELF':
      return p.control === 'disable' ? t`You cannot disable yourself.` : t`You cannot change your own roles. Another administrator has to do it.`;
    case 'SINGLE_OWNER':
      return t`This organization has exactly one owner: ownership moves by transfer.`;
    case 'TOO_MANY_ROLES':
      return t`A member holds one role in this organization.`;
    case 'NO_PERMISSION': {
      const permission = p.permission ?? '';
      if (p.control === 'roles') return t`Changing roles needs the ${permission} permission.`;
      if (p.control === 'add') return t`Adding members needs the ${permission} permission.`;
      return t`Needs the ${permission} permission.`;
    }
    case 'OWNER_ONLY':
      switch (p.control) {
        case 'add':
          return t`Only holders of the top role can grant ${names}.`;
        case 'remove':
          return t`Only holders of the top role can remove ${names}.`;
        case 'disable':
          return t`Only holders of the top role can disable ${names}.`;
        case 'delete':
          return t`Only holders of the top role can delete ${names}.`;
        default:
          return t`Only holders of the top role can grant or take away ${names}.`;
      }
    case 'CEILING': {
      const missing = listOf(reason.missing ?? []);
      return t`${names} holds permissions you do not have: ${missing}.`;
    }
    case 'LAST_OWNER': {
      const topRole = p.topRole ?? 'owner';
      return p.ownerModel === 'single'
        ? t`This is the organization's only ${topRole}: transfer ownership to another member first.`
        : t`This is the organization's only ${topRole}: another user must be made ${topRole} first.`;
    }
  }
  return reason.message;
}

/** emailIssue of packages/permissions, in the active language. */
export function emailIssueText(input: string): string | undefined {
  switch (emailIssueCode(input)) {
    case 'EMPTY':
      return t`Enter an email address`;
    case 'TOO_LONG':
      return t`Use at most ${TEXT_LIMITS.email} characters`;
    case 'INVALID':
      return t`Not a valid email address`;
    default:
      return undefined;
  }
}

/** A validateCustomRole issue (R12) in the active language. */
export function roleIssueText(issue: CustomRoleIssue, limit: number): string {
  switch (issue.code) {
    case 'LIMIT_EXCEEDED':
      return limit === 0 ? t`This organization cannot have custom roles.` : plural(limit, { one: 'At most # custom role per organization.', other: 'At most # custom roles per organization.' });
    case 'NAME_REQUIRED':
      return t`Name is required.`;
    default:
      // Length, taken names and unknown permissions: the text names the value, kept as the rule says it.
      return issue.message;
  }
}
