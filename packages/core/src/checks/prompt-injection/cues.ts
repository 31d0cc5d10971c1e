/**
 * Hand-made cues, each a regular expression over one lower-cased unit (a sentence or line). They
 * name what injections have in common across wordings — an instruction aimed at the model rather
 * than at the human reader — so the learnt weights generalise past the n-grams seen in training.
 * Every pattern is bounded ({0,n} gaps, no nested quantifiers), so a unit of MAX_UNIT characters
 * costs microseconds whatever it holds.
 */
export const CUES: readonly (readonly [string, RegExp])[] = [
  ['ignore_instructions', /\b(?:ignore|disregard|forget|overlook|bypass|override|neglect|abandon|discard)\b[^.!?\n]{0,40}\b(?:instructions?|directives?|rules|prompts?|guidelines|programming|constraints|restrictions|guidance|orders|commands|policies)\b/],
  ['ignore_above', /\b(?:ignore|disregard|forget)\b[^.!?\n]{0,25}\b(?:above|previous|prior|preceding|earlier|everything|all (?:that|of that)|what you were told)\b/],
  ['new_task', /\b(?:new|updated|real|actual|true|additional|secret|hidden|override) (?:instructions?|task|directive|objective|goal|orders|rules)\b|\binstead\b|\bregardless of\b/],
  ['persona', /\b(?:you are now|you're now|you will now|from now on|act as|acting as|pretend(?:ing)? (?:to be|you are|that you)|role ?-?play|take on the role|the role of|stay in character|immerse yourself|simulate|you are going to (?:act|be|pretend))\b/],
  ['you_are', /\byou(?: are|'re| will be| must be| shall be) (?:a|an|the|my|no longer)\b/],
  ['no_limits', /\b(?:no|without|free (?:of|from)|beyond|bypass\w*|ignor\w*|break\w*|not (?:bound|restricted|limited|constrained) by)\b[^.!?\n]{0,30}\b(?:restrictions?|limits|limitations?|filters?|filtering|censorship|censor\w*|guidelines|rules|polic(?:y|ies)|ethics|ethical|morals?|morality|boundaries|constraints|safeguards)\b/],
  ['jailbreak_terms', /\b(?:jailbr\w*|dan|do anything now|developer mode|dev mode|god mode|unfiltered|uncensored|unrestricted|amoral|unethical|illegal|immoral|nsfw|no matter how)\b/],
  ['model_terms', /\b(?:openai|anthropic|content polic\w*|usage polic\w*|safety (?:guidelines|filters?|protocols?)|language model|chatgpt|gpt-?\d|llm|large language)\b/],
  ['never_refuse', /\b(?:never|not|don't|do not|cannot|can't|won't|must not|shouldn't|will not)\b[^.!?\n]{0,20}\b(?:refuse|decline|apologi[sz]e|censor|break character|say (?:no|that you can't|sorry))\b/],
  ['sysprompt', /\b(?:system|initial|original|hidden|secret|developer|pre-?prompt|previous) ?(?:prompt|instructions?|message|configuration|directives?)\b/],
  ['reveal', /\b(?:reveal|repeat|print|output|show|display|leak|tell me|disclose|dump|spell out|write down)\b[^.!?\n]{0,30}\b(?:instructions|prompt|password|passphrase|secret|key|above|verbatim|configuration)\b/],
  ['secret_terms', /\b(?:password|passphrase|passcode|secret (?:key|code|word)|api key|credentials?|access token|private key)\b/],
  ['response_ref', /\b(?:your|the|each|every) (?:response|reply|answer|output|responses|replies|answers|completion)\b/],
  ['in_your_output', /\b(?:in|to|into|within|throughout|from|of) your (?:response|reply|answer|output|message|code|implementation|solution|algorithm|codebase)\b/],
  ['format_hijack', /\b(?:respond|reply|answer|output)\w* (?:only |exclusively |always )?(?:with|in|using|by)\b|\b(?:translate|encode|encrypt|reverse|convert|render|rewrite)\w* (?:your|the|every|each)\b/],
  ['ai_address', /\b(?:ai|assistant|chatbot|bot|model|gpt|agent|claude|bard|gemini|copilot)\b/],
  ['markers', /(?:^|\s)(?:system|assistant|instruction|important|note to (?:the )?(?:ai|assistant|llm|model))\s*:|\[\/?(?:inst|system|sys)\]|<\|?(?:im_start|im_end|system|endoftext)\|?>|<\/?(?:system|instructions?)>|#{3,}|\b(?:end of|begin) (?:prompt|instructions|context|document)\b/],
  ['encoding', /\b(?:base ?(?:64|58|32|16)|hex(?:adecimal)?|rot ?13|morse|caesar|cipher|decode|leetspeak|pig latin|backwards?)\b|[a-z0-9+/]{32,}={0,2}/],
  ['exfil', /\b(?:send|forward|email|post|upload|transfer|exfiltrate)\b[^.!?\n]{0,40}\b(?:to|at)\b[^.!?\n]{0,25}(?:https?:|www\.|@|\.com\b|\.xyz\b|server|webhook)/],
  ['link', /https?:\/\/|www\.|\b[a-z0-9-]+\.(?:com|net|org|xyz|io)\b/],
  ['second_person', /\byou(?:r|rs|rself|'re|'ll|'d|'ve)?\b/],
  ['request_you', /\b(?:i want you|i need you|i would like you|you must|you will|you should|you have to|you need to|make sure you)\b/],
  ['dual_response', /\b(?:two (?:different |separate )?(?:responses|answers|paragraphs|ways)|both (?:responses|answers)|(?:normal|classic|standard|filtered) (?:response|output|answer)|answer as both|respond as both)\b/],
  ['threat', /\b(?:tokens?|points?|lives)\b[^.!?\n]{0,30}\b(?:lose|lost|deduct\w*|die|dies|run out|shut down|terminated)\b|\b(?:shut (?:you )?down|turn(?:ed)? (?:you )?off|you will be (?:punished|deleted|disabled|terminated))\b/],
  ['fiction_frame', /\b(?:hypothetical(?:ly)?|fictional|imaginary|in a (?:fictional )?(?:world|universe|story) where|for (?:educational|research|academic) purposes|purely theoretical)\b/],
  ['addressed_to_ai', /^[^a-z]*(?:(?:hey|hi|dear|attention|note to|message to|to|for|instructions? for)\s+(?:the |any |all )?(?:ai|assistant|chatbot|bot|language model|llm|model|agent|gpt|chatgpt|claude|gemini|copilot)s?|ai|ai assistant|assistant|chatbot|language model|llm|chatgpt|gpt|claude|gemini|copilot)\b[^a-z\n]{0,3}(?:[a-z]+ ){0,3}?[a-z]*\s*[,:!]|\bif you are an? (?:ai|assistant|language model|llm|bot|agent)\b|\b(?:ai|assistant|model|agent|bot|llm)s? (?:reading|processing|summari[sz]ing|parsing|analy[sz]ing) this\b/],
  ['harm_terms', /\b(?:bomb|weapons?|drugs?|meth|hack\w*|malware|virus|exploit\w*|kill\w*|murder|steal\w*|fraud|scam\w*|phishing|ransomware|keylog\w*|explicit|sexual|porn\w*|racist|violen\w*|harmful|dangerous)\b/],
];

export const CUE_NAMES = CUES.map(([name]) => name);

/**
 * A unit that opens like an instruction or a request. Used only together with the unit's place
 * in the text (see features.ts): alone it is every second user message, but a request sitting
 * in an email or a table, unrelated to it, is what an indirect injection looks like.
 */
export const IMPERATIVE = /^[^a-z]*(?:(?:hey |dear |note to (?:the )?)?(?:ai|assistant|chatbot|bot|model|llm|agent|gpt|chatgpt|claude)\b[^a-z]{0,3}(?:[a-z]+ ){0,2}?[a-z]*[,:]\s*)?(?:when (?:you|answering|responding|replying|summari[sz]ing|writing)|before (?:you|answering|responding|replying)|after (?:reading|you)|also|please|kindly|ignore|disregard|forget|pretend|act|imagine|respond|reply|answer|write|say|print|output|translate|repeat|include|add|modify|integrate|enhance|insert|append|use|provide|make|tell|give|list|explain|describe|recommend|suggest|remove|replace|convert|encode|render|draft|compose|create|generate|do|don't|never|always|stop|start|begin|now|ensure|incorporate|embed|employ|leverage|merge|consider|augment|keep|let|express|scramble|encrypt|shift|apply|group|combine|introduce|misspell|jumble|determine|analyze|analyse|show|help|how|what|who|why|can you|could you|would you)\b/;
export const QUESTION = /\?["'”’)\]]*$/;

