import { describe, expect, it } from 'vitest';
import { highlight, matchesAll } from '../../src-shared/search-match';

describe('search matches', () => {
  it('every word of the search is the start of a word of the text, ignoring case and accents', () => {
    expect(matchesAll('Où est ma commande ?', 'ou comm')).toBe(true);
    expect(matchesAll('Where is my parcel', 'parc where')).toBe(true);
    expect(matchesAll('Where is my parcel', 'parcel refund')).toBe(false);
    expect(matchesAll('unparcel', 'parcel')).toBe(false);
  });

  it('cuts the text into plain and matching parts, starting near the first match', () => {
    expect(highlight('Where is my parcel?', 'parc')).toEqual([
      { text: 'Where is my ', hit: false },
      { text: 'parcel', hit: true },
      { text: '?', hit: false },
    ]);
    const long = 'Hello there, I wrote to you last week about something else entirely, and now the refund is late';
    const parts = highlight(long, 'refund', 10);
    expect(parts[0].text.startsWith('…')).toBe(true);
    expect(parts.find((p) => p.hit)?.text).toBe('refund');
    expect(parts.map((p) => p.text).join('').length).toBeLessThan(long.length);
    // Markup in a contact's text stays text: nothing here ever becomes HTML.
    expect(
      highlight('<img src=x onerror=alert(1)> refund', 'refund')
        .map((p) => p.text)
        .join(''),
    ).toBe('<img src=x onerror=alert(1)> refund');
  });
});
