// The outcome of a bulk action, item by item (kept by the page so it outlives the selection).

export interface BulkItem {
  membershipId: string;
  email: string;
  ok: boolean;
  /** Why it failed, or a note on success (empty when there is nothing to add). */
  message: string;
}

export interface BulkOutcome {
  title: string;
  items: BulkItem[];
}
