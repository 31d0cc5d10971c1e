// Character classes for the address patterns. Unicode property escapes (\p{L}) in /u patterns
// compile to large automata, and the address patterns repeat them in every word: measured, the
// word-run pattern takes about 10 ms to compile and tier up with them and 0.2 ms with these
// ranges. They cover the scripts street names are written in here (Latin with its extensions,
// Greek, Cyrillic).

/** Letters, with combining accents. */
export const LETTER = String.raw`A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u0300-\u036F\u0370-\u03FF\u0400-\u04FF\u1E00-\u1FFF`;

/**
 * Letters that may start a capitalised word. Latin Extended-A and -B mix both cases in one range;
 * all of it counts, so "Łódź" and "Šumski" are capitalised (and a rare lower-case "ł…" is too).
 */
export const UPPER = String.raw`A-Z\u00C0-\u00D6\u00D8-\u00DE\u0100-\u024F\u0386-\u038F\u0391-\u03AB\u0400-\u042F\u1E00-\u1EFF\u1F08-\u1F0F\u1F18-\u1F1D\u1F28-\u1F2F\u1F38-\u1F3F\u1F48-\u1F4D\u1F68-\u1F6F`;
