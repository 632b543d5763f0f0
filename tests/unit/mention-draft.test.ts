// The composer's draft: "@Name" on screen, {{@user.ID}} sent, each mention standing for the user
// picked for it, however the text around it is edited.
import { describe, expect, it } from 'vitest';
import { afterEdit, insertMention, placeMentions, toSentText, type DraftMention } from '../../src-renderer/views/messages/mention-draft';

const first = { id: 'u_sam1', name: 'Sam Lee' };
const second = { id: 'u_sam2', name: 'Sam Lee' };

/** Types `typed` at the end of the draft, as keys would. */
function type(d: { text: string; mentions: DraftMention[] }, typed: string) {
  const text = d.text + typed;
  return { text, mentions: afterEdit(d.text, text, d.mentions, text.length) };
}

/** Picks `user` for the "@query" typed at the end. */
function pick(d: { text: string; mentions: DraftMention[] }, user: { id: string; name: string }) {
  const start = d.text.lastIndexOf('@');
  const r = insertMention(d.text, d.mentions, { start, caret: d.text.length }, user);
  return { text: r.text, mentions: r.mentions };
}

describe('a draft with mentions', () => {
  it('two teammates with the same name stay two people', () => {
    let d = { text: '', mentions: [] as DraftMention[] };
    d = pick(type(d, '@sa'), second);
    d = pick(type(d, 'takes over from @sa'), first);
    d = type(d, 'today');
    expect(d.text).toBe('@Sam Lee takes over from @Sam Lee today');
    expect(toSentText(d.text, d.mentions)).toBe('{{@user.u_sam2}} takes over from {{@user.u_sam1}} today');
  });

  it('a mention deleted leaves the others standing for whom they stood', () => {
    let d = { text: '', mentions: [] as DraftMention[] };
    d = pick(type(d, '@sa'), second);
    d = pick(type(d, 'and @sa'), first);
    // Backspace over the last mention's name, then the rest of it: it is plain text, then gone.
    const cut = d.text.slice(0, d.text.length - 3);
    d = { text: cut, mentions: afterEdit(d.text, cut, d.mentions, cut.length) };
    expect(toSentText(d.text, d.mentions)).toBe('{{@user.u_sam2}} and @Sam L');
    const none = '@Sam Lee and ';
    d = { text: none, mentions: afterEdit(d.text, none, d.mentions, none.length) };
    expect(toSentText(d.text, d.mentions)).toBe('{{@user.u_sam2}} and ');
  });

  it('text typed before a mention moves it along; "@Name" typed by hand is sent as typed', () => {
    let d = pick(type({ text: '', mentions: [] }, '@sa'), second);
    const text = 'Hi @Sam Lee ' + d.text;
    d = { text, mentions: afterEdit(d.text, text, d.mentions, 'Hi @Sam Lee '.length) };
    expect(toSentText(d.text, d.mentions)).toBe('Hi @Sam Lee {{@user.u_sam2}} ');
  });

  it('a draft saved before mentions kept their place gets each "@Name" in order', () => {
    const text = '@Sam Lee and @Sam Lee';
    expect(toSentText(text, placeMentions(text, [second, first]))).toBe('{{@user.u_sam2}} and {{@user.u_sam1}}');
    expect(
      placeMentions('@Sam Lee', [
        { ...second, at: 0 },
        { id: 'u_x', name: 'Nobody Here' },
      ]),
    ).toEqual([{ ...second, at: 0 }]);
  });
});
