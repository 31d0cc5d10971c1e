// Word lists for street addresses, looked up word by word: as regex alternations the same lists
// cost V8 hundreds of milliseconds to compile.

/** Each word as written and in capitals ("St", "ST"). */
const withCapitals = (words: readonly string[]): Set<string> => new Set([...words, ...words.map((w) => w.toUpperCase())]);
const capitalise = (w: string): string => w[0]!.toUpperCase() + w.slice(1);

/**
 * English street suffixes written after the name ("Baker Street", "Elm St"): USPS Publication 28
 * and common UK ones. Left out are those that after a number and a name are as often something
 * else ("2 Jurassic Park", "3 Boarding Pass", "3 Easy Ways", "2 Hard Drives", "5 Grand Lakes"):
 * such a street still counts where a unit, a postcode or the words around say it is an address.
 */
const EN_SUFFIXES = [
  'Street', 'St', 'Str', 'Avenue', 'Ave', 'Av', 'Road', 'Rd', 'Boulevard', 'Blvd', 'Lane', 'Ln',
  'Drive', 'Dr', 'Court', 'Ct', 'Place', 'Pl', 'Square', 'Sq', 'Terrace', 'Ter', 'Terr', 'Way',
  'Parkway', 'Pkwy', 'Highway', 'Hwy', 'Circle', 'Cir', 'Trail', 'Trl', 'Close', 'Crescent', 'Cres',
  'Gardens', 'Gdns', 'Grove', 'Row', 'Mews', 'Walk', 'Hill', 'Plaza', 'Loop', 'Alley', 'Expressway',
  'Freeway', 'Pike', 'Crossing', 'Heights', 'Ridge', 'Ridges', 'Rise', 'Wharf', 'Quay', 'Parade',
  'Esplanade', 'Causeway', 'Bypass', 'Turnpike', 'Lodge', 'Forge', 'Forges', 'Dale', 'Radial',
  'Hollow', 'Glen', 'Glens', 'Meadow', 'Meadows', 'Vale', 'Cove', 'Creek', 'Gateway', 'Junction',
  'Junctions', 'Manor', 'Extension', 'Extensions', 'Greens', 'Harbor', 'Harbour', 'Springs', 'Villas',
  'Rapid', 'Rapids', 'Prairie', 'Annex', 'Bayou', 'Bluff', 'Bluffs', 'Canyon', 'Crest', 'Crossroad',
  'Crossroads', 'Inlet', 'Isle', 'Knoll', 'Knolls', 'Motorway', 'Oval', 'Orchard', 'Overpass',
  'Passage', 'Skyway', 'Stravenue', 'Throughway', 'Trafficway', 'Underpass', 'Viaduct', 'Vista',
];
export const EN_SUFFIX = withCapitals(EN_SUFFIXES);

/**
 * The rest of USPS Publication 28: street suffixes that are also everyday words ("Park", "Field",
 * "Station", "Island"). After a house number of three or more digits that is no year
 * ("40803 Braga Field") they are a street; after a small count ("2 Jurassic Park") they are not.
 */
const USPS_AMBIGUOUS = [
  'Bend', 'Bottom', 'Branch', 'Bridge', 'Brook', 'Brooks', 'Burg', 'Burgs', 'Camp', 'Cape', 'Center',
  'Centers', 'Circles', 'Cliff', 'Cliffs', 'Club', 'Common', 'Commons', 'Corner', 'Corners', 'Course',
  'Courts', 'Coves', 'Curve', 'Dam', 'Divide', 'Drives', 'Estate', 'Estates', 'Fall', 'Falls', 'Ferry',
  'Field', 'Fields', 'Flat', 'Flats', 'Ford', 'Fords', 'Forest', 'Fork', 'Forks', 'Fort', 'Garden',
  'Green', 'Groves', 'Harbors', 'Haven', 'Hills', 'Island', 'Islands', 'Key', 'Keys', 'Lake', 'Lakes',
  'Land', 'Landing', 'Light', 'Lights', 'Loaf', 'Lock', 'Locks', 'Mall', 'Manors', 'Mill', 'Mills',
  'Mission', 'Mount', 'Mountain', 'Mountains', 'Neck', 'Park', 'Parks', 'Pass', 'Path', 'Pine', 'Pines',
  'Plain', 'Plains', 'Point', 'Points', 'Port', 'Ports', 'Ramp', 'Ranch', 'Rest', 'River', 'Roads',
  'Route', 'Run', 'Shoal', 'Shoals', 'Shore', 'Shores', 'Spring', 'Spur', 'Spurs', 'Squares', 'Station',
  'Stream', 'Streets', 'Summit', 'Trace', 'Track', 'Trails', 'Trailer', 'Tunnel', 'Union', 'Unions',
  'Valley', 'Valleys', 'View', 'Views', 'Village', 'Villages', 'Ville', 'Walks', 'Wall', 'Ways', 'Well',
  'Wells',
  // Australian and UK road types that are everyday words too.
  'Alleyway', 'Break', 'Brow', 'Dell', 'Edge', 'Elbow', 'End', 'Frontage', 'Lees', 'Quadrangle',
  'Quadrant', 'Ronde', 'Strip', 'Tarn', 'Wade',
];
export const USPS_SUFFIX = withCapitals(USPS_AMBIGUOUS);

/**
 * Street types written before the name in Romance, Slavic, Greek, Romanian and Indonesian
 * addresses ("Via Tasso", "Rua do Arenque", "31 Rue Al Imam", "ul. Miła", "Λ. Αλεξάνδρας",
 * "Strada Mocanu Nr. 7", "Jl. Cempaka No. 1").
 */
const PREFIX_TYPES = [
  'Rue', 'Rua', 'Via', 'Viale', 'Vicolo', 'Piazza', 'Piazzale', 'Largo', 'Corso', 'Strada', 'Contrada',
  'Borgo', 'Rotonda', 'Incrocio', 'Stretto', 'Avenida', 'Avda.', 'Avenue', 'Av.', 'Av', 'Calle', 'C/',
  'Carrer', 'Camino', 'Paseo', 'Passeig', 'Rambla', 'Ronda', 'Plaza', 'Praça', 'Praca', 'Travessa',
  'Estrada', 'Rodovia', 'Alameda', 'Boulevard', 'Bd', 'Chemin', 'Allée', 'Impasse', 'Quai', 'Cours',
  'Place', 'Montée', 'ul.', 'ulica', 'Ulica', 'al.', 'Aleja', 'Plac', 'os.', 'Odos', 'Οδός',
  'Λεωφόρος', 'Λεωφ.', 'Λ.', 'Πλατεία', 'Ulitsa', 'Prospekt', 'Str.', 'Bulevardul', 'Calea',
  'Soseaua', 'Șoseaua', 'Intrarea', 'Aleea', 'Drumul', 'Piața', 'Splaiul', 'Jl.', 'Jalan', 'Gg.', 'Gang',
  'Cesta', 'R.',
];
/** Each type as written and in lower case ("rue de la Paix", "avenue Musy 80"). */
export const PREFIX_TYPE = new Set([...PREFIX_TYPES, ...PREFIX_TYPES.map((w) => w.toLowerCase())]);
/** Lower-case types that are also English words ("via Slack 2", "place Order 5"): weaker evidence. */
export const ENGLISH_TYPES = new Set(['via', 'place', 'plaza', 'cours', 'gang', 'ronda', 'al.', 'os.', 'av', 'av.', 'bd', 'str.', 'jalan', 'R.', 'r.']);

/**
 * Street types written after the name in Germanic, Nordic, Finnic and Hungarian addresses, as
 * the end of one word ("Hauptstraße", "Harjukuja", "Jacob-Lederer-Straße") or as a word of their
 * own ("Villacher Strasse", "Rákóczi út", "Király u."). Endings that are also common English word
 * endings ("-way", "-gate", "-ring") are left out of the joined form.
 */
const JOINED = [
  'straße', 'strasse', 'str.', 'gasse', 'weg', 'allee', 'platz', 'damm', 'ufer', 'steig', 'pfad',
  'graben', 'chaussee', 'zeile', 'straat', 'laan', 'plein', 'gracht', 'kade', 'dijk', 'singel',
  'steeg', 'dreef', 'gata', 'gatan', 'vegen', 'veien', 'vei', 'väg', 'vägen', 'vej', 'vænget',
  'gade', 'stræde', 'allé', 'stien', 'stigen', 'torg', 'torget', 'plads', 'braut', 'vegur', 'stígur',
  'katu', 'tie', 'kuja', 'polku', 'raitti', 'väylä', 'kaari', 'tänav', 'puiestee', 'maantee',
  'utca', 'útja', 'körút', 'sétány', 'ulice', 'náměstí', 'nábřeží', 'třída', 'cesta', 'trg',
];
/** The endings, for a word that ends with one ("Hauptstraße", "Emilija-Resch-Gasse" once lower-cased). */
export const JOINED_SUFFIX: readonly string[] = JOINED;
/** A type on its own, capitalised: "Villacher Strasse 89", "Am Weg 3". */
export const JOINED_ALONE = new Set(JOINED.map(capitalise));
/** English words with those endings: "Renegade 2" is not a Danish street. */
export const JOINED_LOOKALIKES = new Set(['brigade', 'renegade', 'cutie', 'sweetie', 'necktie', 'bowtie', 'hogtie', 'auntie', 'bestie']);

/** The same types as separate lower-case words after a name ("Rákóczi út", "Király u.", "Luite tee"). */
export const SEPARATE_TYPE = new Set([...JOINED.filter((w) => w !== 'tie'), 'út', 'u.', 'tér', 'tere', 'köz', 'kapu', 'tee', 'põik', 'pot', 'ulica']);

/** Words after a number that make it a quantity, not a house number: "Berlin 3 days ago", "Tom 2 times". */
export const QUANTITY = new Set([
  'second', 'seconds', 'sec', 'secs', 'minute', 'minutes', 'min', 'mins', 'hour', 'hours', 'hr', 'hrs',
  'day', 'days', 'week', 'weeks', 'month', 'months', 'year', 'years', 'yr', 'yrs', 'time', 'times',
  'am', 'pm', 'people', 'persons', 'points', 'pts', 'percent', 'items', 'pieces', 'copies', 'votes',
  'goals', 'games', 'wins', 'runs', 'miles', 'km', 'kg', 'lbs', 'million', 'billion', 'thousand',
  'dollars', 'euros', 'ago', 'more', 'less', 'left', 'of', 'out', 'to', 'vs', 'x',
]);

/** Lower-case words inside a street name: "Rua do Arenque", "Via dei Fiorentini", "Avenue d'Ouchy". */
export const PARTICLE = new Set([
  'de', 'del', 'della', 'delle', 'dei', 'degli', 'di', 'da', 'do', 'dos', 'das', 'du', 'des', 'la',
  'le', 'les', 'el', 'al', 'van', 'von', 'der', 'den', 'ter', 'y', 'e', 'i', 'am', 'an', 'im', 'zum',
  'zur', 'sur', 'of', 'the',
]);

const DATE_WORDS = [
  'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october',
  'november', 'december', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct',
  'nov', 'dec', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday',
];
const FUNCTION_WORDS = [
  'the', 'a', 'an', 'and', 'or', 'at', 'on', 'in', 'to', 'of', 'for', 'from', 'is', 'are', 'was',
  'be', 'has', 'have', 'had', 'my', 'our', 'your', 'his', 'her', 'their', 'its', 'this', 'that',
  'about', 'over', 'under', 'after', 'before', 'since', 'by', 'with', 'than', 'only', 'just',
];

/**
 * Words that are never part of a street named without a street type: a name and a number
 * ("Harjukuja 54") is otherwise as likely "Russia on January 3".
 */
export const NEVER_IN_STREET = new Set([...DATE_WORDS, ...FUNCTION_WORDS]);

/**
 * Capitalised words that often stand before a number without being a street: products, book
 * parts, places in a building. Such a name and number is no street even where the text says an
 * address follows ("meet at Gate 5").
 */
export const NOT_A_STREET = new Set([
  ...NEVER_IN_STREET, 'chapter', 'page', 'section', 'article', 'part', 'volume', 'vol', 'book',
  'act', 'scene', 'verse', 'psalm', 'figure', 'fig', 'table', 'step', 'item', 'number', 'no',
  'version', 'v', 'windows', 'iphone', 'android', 'ios', 'season', 'episode', 'level', 'grade',
  'class', 'size', 'model', 'series', 'mark', 'phase', 'stage', 'round', 'game', 'week', 'day',
  'year', 'top', 'covid', 'room', 'floor', 'gate', 'terminal', 'platform', 'pier', 'dock', 'bay',
  'hall', 'building', 'block', 'lot', 'unit', 'suite', 'apt', 'apartment', 'flat', 'box', 'route',
  'highway', 'interstate', 'exit', 'op', 'opus', 'issue', 'bug', 'ticket', 'order', 'nr', 'team',
  'ward', 'bed', 'seat', 'row', 'track', 'tab',
]);
