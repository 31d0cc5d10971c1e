// URL detection for X's weighted count, where every URL costs 23 whatever its length. It follows
// twitter-text's rules (js/src/extractUrlsWithIndices.js) closely enough for counting, without
// its 1,500-entry TLD table: a bare domain only counts when its TLD is a real one, or "Node.js"
// and "file.txt" would each cost 23.

// Every delegated two-letter ccTLD (IANA root zone).
const CC_TLDS = new Set(
  (
    'ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br ' +
    'bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ' +
    'ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu ' +
    'gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr ' +
    'kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt ' +
    'mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps ' +
    'pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz ' +
    'tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ' +
    'ws ye yt za zm zw'
  ).split(' '),
);

// The generic TLDs that show up in posts; rarer ones fall back to per-character counting.
const G_TLDS = new Set(
  (
    'com net org edu gov mil int info biz name pro mobi asia tel travel jobs aero coop museum ' +
    'app dev page blog shop store online site website web tech xyz club live news media world ' +
    'cloud agency studio design art email link space top icu fun today life network digital ' +
    'solutions company services group global social marketing video games software systems ' +
    'academy photo photos gallery center support help host inc llc ltd bio eco earth city ' +
    'london nyc tokyo berlin paris wiki one zone ninja guru rocks win vip work works money ' +
    'finance capital fund investments bank insurance health care clinic law legal school ' +
    'university education courses events press report review reviews fyi lol cool plus tools ' +
    'house energy auto cars golf team sports fitness run coffee cafe pizza bar beer wine ' +
    'restaurant food fashion style beauty shoes watch gold exchange market markets trade guide ' +
    'foundation charity ngo new google amazon apple microsoft youtube chat bot gg'
  ).split(' '),
);

// ccTLDs that twitter-text links even as a bare "name.tld" with no path (validSpecialCCTLD).
const SPECIAL_SHORT_CC = new Set(['co', 'tv']);

// Group 1: a URL with a scheme. Groups 2-4: a bare domain, its TLD, and any port/path/query.
// The look-behind is twitter-text's rule for what may precede a URL (no "@" so emails are not
// URLs, no "-_./" so "a.b/c.d" is one URL and not two).
const URL_CANDIDATE =
  /(?<![A-Za-z0-9@$#_./-])(?:(https?:\/\/[^\s<>"]+)|((?:[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?\.)+([a-z]{2,63}))(?![a-z0-9@+-])((?::\d{1,5})?(?:[/?#][^\s<>"]*)?))/gi;

// Sentence punctuation after a URL is not part of it ("see example.com/a." ends at "a").
const TRAILING = new Set(Array.from('.,:;!?\'"*)]}>…', (c) => c.charCodeAt(0)));

function trimEnd(text: string, start: number, end: number): number {
  while (end > start) {
    const c = text.charCodeAt(end - 1);
    if (!TRAILING.has(c)) break;
    // Keep a closing paren that closes one inside the URL (Wikipedia's "Foo_(bar)").
    if (c === 0x29 && parensBalanced(text, start, end)) break;
    end--;
  }
  return end;
}

function parensBalanced(text: string, start: number, end: number): boolean {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x28) depth++;
    else if (c === 0x29) depth--;
  }
  return depth >= 0;
}

/**
 * URLs in `text` as a flat, ascending list of UTF-16 ranges: [start0, end0, start1, end1, ...].
 * Flat because this runs on every X post and most posts have at most one URL.
 *
 * @example findUrls('see example.com/a.') // [4, 17]
 */
export function findUrls(text: string): number[] {
  const out: number[] = [];
  // Every URL shape needs a dot in its host, so most posts skip the regex entirely.
  if (text.indexOf('.') < 0) return out;
  URL_CANDIDATE.lastIndex = 0;
  for (let m = URL_CANDIDATE.exec(text); m !== null; m = URL_CANDIDATE.exec(text)) {
    const start = m.index;
    if (m[1] === undefined) {
      const tld = (m[3] ?? '').toLowerCase();
      const isCc = CC_TLDS.has(tld);
      if (!isCc && !G_TLDS.has(tld)) continue;
      const rest = m[4] ?? '';
      const host = m[2] ?? '';
      // twitter-text skips "readme.md"-style names: one label plus a ccTLD and nothing after.
      if (rest === '' && isCc && !SPECIAL_SHORT_CC.has(tld) && host.indexOf('.') === host.length - tld.length - 1) continue;
    }
    const end = trimEnd(text, start, start + m[0].length);
    if (end > start) out.push(start, end);
  }
  return out;
}
