import { describe, expect, it } from 'vitest';
import { formatMention, mentionsToNames, parseMentions, splitMentions } from '../../src-shared/mentions';

describe('mentions', () => {
  it('finds each mentioned user once, in order', () => {
    expect(parseMentions('{{@user.ALICE}} and {{@user.bob_2}}, again {{@user.ALICE}}')).toEqual(['ALICE', 'bob_2']);
  });

  it('ignores text that only looks like a mention', () => {
    expect(parseMentions('{{@user.}} {{@user.a b}} {@user.x} {{@team.x}} {{@user.<script>}}')).toEqual([]);
  });

  it('round-trips a formatted mention', () => {
    expect(parseMentions(`hi ${formatMention('u_1')}`)).toEqual(['u_1']);
  });

  it('renders mentions as names and leaves the rest as plain text', () => {
    const text = '{{@user.u1}} please send <b>the promo</b> to {{@user.gone}}';
    expect(mentionsToNames(text, (id) => (id === 'u1' ? 'Alice' : undefined))).toBe('@Alice please send <b>the promo</b> to @unknown user');
    expect(splitMentions(text)[0]).toEqual({ kind: 'mention', userId: 'u1' });
  });
});
