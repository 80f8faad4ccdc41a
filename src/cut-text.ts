/**
 * A text cut to `maxChars` with a note of how much is shown (`\n[<label>: 4 of 10 characters shown]`),
 * never splitting a surrogate pair; the text as it is when it fits.
 */
export function cutText(text: string, maxChars: number, label: string): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  const lastKept = text.charCodeAt(maxChars - 1);
  const end = lastKept >= 0xd800 && lastKept <= 0xdbff ? maxChars - 1 : maxChars;
  return { text: `${text.slice(0, end)}\n[${label}: ${end} of ${text.length} characters shown]`, truncated: true };
}
