import { err, ok, type Result } from "./result.ts";

/**
 * Free text staff write for the service to keep and show as written (a maintenance notice, the
 * reason of a disable): trimmed, 1 to `maxLength` characters (code points, as MySQL's VARCHAR counts
 * them, not UTF-16 units), one line of printable text (no control characters, so it cannot break a
 * page's, a table's or a log's lines). The messages name `field`, the API's name for it; an empty
 * one says `whenEmpty` after "must not be empty: ".
 */
export function parseOneLineText(input: {
  field: string;
  text: string;
  maxLength: number;
  whenEmpty: string;
}): Result<string, "VALIDATION_ERROR"> {
  const { field, maxLength } = input;
  const text = input.text.trim();
  if (text === "") return err("VALIDATION_ERROR", `${field} must not be empty: ${input.whenEmpty}`);
  if ([...text].length > maxLength) {
    return err("VALIDATION_ERROR", `${field} must be at most ${maxLength} characters`);
  }
  if (hasControlCharacters(text)) {
    return err("VALIDATION_ERROR", `${field} must be one line of printable text`);
  }
  return ok(text);
}

/**
 * Whether `text` holds a control character (C0, DEL, C1) or a line or paragraph separator: nothing
 * typed on one line needs one, and one can break a page's, a table's or a log's lines, or (a NUL)
 * cut a string short where SQLite reads it as C text.
 */
export function hasControlCharacters(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text);
}
