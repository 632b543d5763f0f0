// An answer already written as JSON. The cache keeps each entity as the JSON text the server sent, so
// a page of rows is joined into its answer instead of parsed into objects and written out again (on a
// page of 100 rows that was half of a page's time, and most of its garbage).
export class JsonText<T> {
  constructor(readonly text: string) {}

  /** The answer as objects, for a channel that passes objects (Electron's IPC). */
  value(): T {
    return JSON.parse(this.text) as T;
  }
}

/** A JSON object's text with more members (JSON texts) after its own; one of the same name is given again, and the added one counts. */
export function withMembers(object: string, members: Record<string, string>): string {
  const added = Object.entries(members).map(([k, v]) => `${JSON.stringify(k)}:${v}`);
  const body = object.slice(0, object.lastIndexOf('}'));
  return `${body}${/^\s*\{\s*$/.test(body) ? '' : ','}${added.join(',')}}`;
}
