// GENERATED FILE: do not edit. Source: schemas/**/*.json.
// Regenerate with: npx tsx services/core/src/schemas/generate-types.ts

// schemas/audit-event.v1.json#
/** One event in a gateway's audit chain. Metadata only: ids, types, endpoints, pseudonyms, digests, outcomes, reason codes; no personal data field exists. */
export type AuditEvent = {
  /** The gateway's event sequence number, from 1, without gaps. */
  seq: number;
  /** Digest of the gateway's previous signed event; null exactly when seq is 1. */
  prevDigest: Digest | null;
  /** The emitting gateway; equals the envelope's from. */
  gateway: Endpoint;
  /** What happened. */
  action: "submitted" | "rejected" | "published" | "delivered" | "receipt-received" | "read" | "accessed" | "responded" | "dead-lettered" | "key-rotated" | "heartbeat" | "escalated";
  /** The message concerned. */
  messageId?: MessageId;
  /** Its type. */
  messageType?: MessageTypeName;
  /** SHA-256 of its exact record bytes. */
  messageDigest?: Digest;
  /** The other endpoint involved (recipient or sender). */
  counterpart?: Endpoint;
  /** Pseudonym of the officer who acted. */
  officer?: OfficerPseudonym;
  /** Outcome, where the action has one (a receipt-received event carries its receipt's outcome: accepted, rejected or read). */
  outcome?: "accepted" | "rejected" | "read";
  /** Reason code of a rejection or dead letter. */
  reasonCode?: ReasonCode;
  /** Key id concerned (key-rotated). */
  kid?: KeyId;
  /** When it happened (UTC): when the fact was recorded. The envelope's issuedAt is when the event was signed, which may be later. */
  at: Timestamp;
};

// schemas/common/defs.v1.json#/$defs/endpoint
/** A counterpart gateway: an ISO 3166-1 alpha-2 country code or INTERPOL. */
export type Endpoint = string;

// schemas/common/defs.v1.json#/$defs/countryCode
/** ISO 3166-1 alpha-2 country code. */
export type CountryCode = string;

// schemas/common/defs.v1.json#/$defs/nationality
/** Claimed nationality: an ISO 3166-1 alpha-2 code, or stateless, or unknown. */
export type Nationality = string;

// schemas/common/defs.v1.json#/$defs/uuid
/** An RFC 9562 UUID, lower-case canonical text form. */
export type Uuid = string;

// schemas/common/defs.v1.json#/$defs/messageId
/** A message id: an RFC 9562 UUID version 7 (time-ordered), lower-case canonical text form. */
export type MessageId = string;

// schemas/common/defs.v1.json#/$defs/messageType
/** The type of a notice document. */
export type MessageTypeName = "victim-repatriation-notice" | "repatriation-status-update" | "offender-travel-alert" | "offender-alert-response" | "delivery-receipt" | "audit-event";

// schemas/common/defs.v1.json#/$defs/timestamp
/** An RFC 3339 date-time in UTC with a Z suffix (the form Date.prototype.toISOString produces), so timestamps compare as text. */
export type Timestamp = string;

// schemas/common/defs.v1.json#/$defs/date
/** An RFC 3339 full-date (YYYY-MM-DD). */
export type CalendarDate = string;

// schemas/common/defs.v1.json#/$defs/langTag
/** A BCP 47 language tag restricted to language, optional ISO 15924 script and optional region (lo, th, zh-Hans, en, lo-Latn, hnj, zh-Hans-CN). */
export type LanguageTag = string;

// schemas/common/defs.v1.json#/$defs/scriptCode
/** An ISO 15924 script code (Laoo, Thai, Hans, Hant, Latn). */
export type ScriptCode = string;

// schemas/common/defs.v1.json#/$defs/multilingualName
/** One written form of a person's name, tagged with its language and script. */
export type MultilingualName = {
  /** Language of this form of the name (lo-Latn for a Latin transliteration of a Lao name). */
  lang: LanguageTag;
  /** Script of the value when the language tag does not carry it. */
  script?: ScriptCode;
  /** The name as written. */
  value: string;
};

// schemas/common/defs.v1.json#/$defs/names
/** A person's name in each language and script it is known in (at least one). */
export type Names = Array<MultilingualName>;

// schemas/common/defs.v1.json#/$defs/caseRef
/** A case reference: the opening endpoint, the year and a six-digit serial (TH-2026-000123). */
export type CaseRef = string;

// schemas/common/defs.v1.json#/$defs/officerPseudonym
/** An officer as a pseudonym: a keyed hash (HMAC) of the identity-provider subject, stable per endpoint (base64url or hex text). */
export type OfficerPseudonym = string;

// schemas/common/defs.v1.json#/$defs/agency
/** The name of an agency or unit (no personal names). */
export type Agency = string;

// schemas/common/defs.v1.json#/$defs/note
/** Free text, bounded. */
export type Note = string;

// schemas/common/defs.v1.json#/$defs/placeName
/** The name of a place, facility or border crossing. */
export type PlaceName = string;

// schemas/common/defs.v1.json#/$defs/digest
/** A SHA-256 digest of the exact record bytes, base64url without padding (43 characters). */
export type Digest = string;

// schemas/common/defs.v1.json#/$defs/reasonCode
/** A machine-readable reason code from the error catalogue (SIGNATURE_INVALID, SCHEMA_INVALID, ...). */
export type ReasonCode = string;

// schemas/common/defs.v1.json#/$defs/keyId
/** A signing key id as it appears in a JWS kid: <ENDPOINT>:<key-id>. */
export type KeyId = string;

// schemas/common/defs.v1.json#/$defs/crossingPoint
/** A border crossing point: one of the named crossings, or other with its name. */
export type CrossingPoint = {
  /** nong-khai-vientiane: First Thai-Lao Friendship Bridge; chong-mek-vang-tao: Chong Mek - Vang Tao (Ubon Ratchathani - Champasak); mukdahan-savannakhet: Second Friendship Bridge; chiang-khong-huay-xai: Chiang Khong - Huay Xai; boten-mohan: Boten - Mohan (Lao-China); other: named in name. */
  code: "nong-khai-vientiane" | "chong-mek-vang-tao" | "mukdahan-savannakhet" | "chiang-khong-huay-xai" | "boten-mohan" | "other";
  /** Name of the crossing; required when code is other. */
  name?: PlaceName;
};

// schemas/common/defs.v1.json#/$defs/escort
/** Who accompanies the child across the border. */
export type Escort = {
  /** Agency providing the escort. */
  agency: Agency;
  /** Number of escorting staff. */
  count?: number;
  /** Whether a social worker is among the escort. */
  includesSocialWorker?: boolean;
  /** Whether a female staff member is among the escort. */
  includesFemaleStaff?: boolean;
};

// schemas/common/defs.v1.json#/$defs/handover
/** The planned handover of a child at the border. */
export type Handover = {
  /** Planned handover date. */
  plannedDate?: CalendarDate;
  /** Where the handover takes place. */
  crossingPoint?: CrossingPoint;
  /** Who escorts the child. */
  escort?: Escort;
  /** Agency that receives the child (e.g. Lao Women's Union counselling centre). */
  receivingAgency: Agency;
};

// schemas/common/defs.v1.json#/$defs/encryptedBody
/** A JWE in general JSON serialization (RFC 7516 section 7.2.1), ECDH-ES+A256KW with X25519 per recipient and A256GCM; the envelope id, from, type and schema are bound in the protected header (mx-id, mx-from, mx-type, mx-schema). */
export type EncryptedBody = {
  /** The JWE protected header, base64url. */
  protected: Base64urlShort;
  /** One entry per recipient endpoint. */
  recipients: Array<JweRecipient>;
  /** Additional authenticated data, base64url. */
  aad?: Base64urlShort;
  /** Initialization vector, base64url. */
  iv: string;
  /** Ciphertext, base64url. */
  ciphertext: string;
  /** Authentication tag, base64url. */
  tag: string;
};

// schemas/common/defs.v1.json#/$defs/jweRecipient
/** A JWE recipient entry. */
export type JweRecipient = {
  /** Per-recipient unprotected header. */
  header: {
    /** Key management algorithm. */
    alg: "ECDH-ES+A256KW";
    /** The recipient's encryption key id. */
    kid: KeyId;
    /** Ephemeral public key (X25519). */
    epk?: {
      /** Key type. */
      kty: "OKP";
      /** Curve. */
      crv: "X25519";
      /** Public key, base64url. */
      x: string;
    };
  };
  /** The wrapped content encryption key, base64url. */
  encrypted_key: string;
};

// schemas/common/defs.v1.json#/$defs/base64urlShort
/** Base64url text up to 4096 characters. */
export type Base64urlShort = string;

// schemas/delivery-receipt.v1.json#
/** Signed proof that a gateway received, verified and stored a message (or why it rejected it), and later that an officer read it. Never answered with a receipt. */
export type DeliveryReceipt = {
  /** Id of the message received. */
  messageId: MessageId;
  /** SHA-256 of the exact record bytes received. */
  messageDigest: Digest;
  /** accepted: verified and stored; rejected: quarantined; read: first opened by an officer of the receiving endpoint. */
  outcome: "accepted" | "rejected" | "read";
  /** Why it was rejected; required when rejected, absent otherwise. */
  reasonCode?: ReasonCode;
  /** When the gateway stored or rejected it, or, for read, when it was first read (UTC). */
  receivedAt: Timestamp;
};

// schemas/envelope.v1.json#
/** The notice document carried as the JWS payload. This schema checks the envelope only; body is checked against the schema of its type (bodySchemaId(type)), never a schema named by the sender. */
export type NoticeEnvelope = {
  /** Message id (UUIDv7), unique per sender; dedup key is (from, id). */
  id: MessageId;
  /** Message type; selects the body schema and the routing rule. */
  type: MessageTypeName;
  /** The $id of the body schema; must equal the id derived from type. */
  schema: string;
  /** Sending endpoint; must own the signing key. */
  from: Endpoint;
  /** Recipient endpoints (an audit event is addressed to its own gateway). */
  to: Array<Endpoint>;
  /** When the sender signed the document (UTC). */
  issuedAt: Timestamp;
  /** After this instant the document is no longer accepted (UTC). */
  expiresAt: Timestamp;
  /** Case reference; required for victim-repatriation-notice and repatriation-status-update. */
  caseRef?: CaseRef;
  /** Id of the message answered; required for repatriation-status-update and offender-alert-response. */
  inReplyTo?: MessageId;
  /** Who sent the document, as a pseudonym and an agency. */
  sender: {
    /** Pseudonym of the submitting officer (or of the gateway for automatic messages). */
    officer: OfficerPseudonym;
    /** Sending agency or unit. */
    agency: Agency;
  };
  /** The message body in clear, checked against the schema of type. */
  body?: ClearBody;
  /** The body encrypted to the recipients (JWE general JSON); every business type is sent this way, receipts and audit events never. */
  encryptedBody?: EncryptedBody;
};

// schemas/envelope.v1.json#/$defs/clearBody
/** A body in clear: any JSON object here; its shape is checked against bodySchemaId(type), not by the envelope. */
export type ClearBody = Record<string, unknown>;

// schemas/offender-alert-response.v1.json#
/** The action taken on an offender travel alert (envelope inReplyTo names the alert). */
export type OffenderAlertResponse = {
  /** What was done. */
  action: "entry-refused" | "monitored" | "not-arrived" | "departed" | "no-action";
  /** When the action was taken (UTC). */
  at: Timestamp;
  /** Unit that took the action. */
  unit: Agency;
  /** Remarks. */
  note?: Note;
};

// schemas/offender-travel-alert.v1.json#
/** A travelling sex offender is on the way. Sent to every counterpart and the INTERPOL desk; timeliness is its whole value. */
export type OffenderTravelAlert = {
  /** Who travels. */
  subject: OffenderSubject;
  /** Relevant convictions; empty when the alert rests on the source alone. */
  convictions: Array<Conviction>;
  /** The journey. */
  travel: Travel;
  /** What the alert rests on. */
  source: AlertSource;
  /** What the sender asks recipients to do. */
  requestedAction: "consider-entry-refusal" | "monitor" | "report-arrival-and-departure" | "information-only";
  /** After this instant the alert is void (UTC). */
  validUntil: Timestamp;
  /** Remarks. */
  note?: Note;
};

// schemas/offender-travel-alert.v1.json#/$defs/subject
/** Identity of the travelling subject. */
export type OffenderSubject = {
  /** Names with language and script tags. */
  names: Names;
  /** Sex. */
  sex?: "female" | "male" | "unknown";
  /** Date of birth. */
  dateOfBirth: CalendarDate;
  /** Nationalities (ISO 3166-1 alpha-2). */
  nationalities: Array<CountryCode>;
  /** Passports known to be held. */
  passports: Array<Passport>;
};

// schemas/offender-travel-alert.v1.json#/$defs/passport
/** A passport. */
export type Passport = {
  /** Passport number as written: 5 to 20 letters and digits, in either case, with at most one space, hyphen, dot or slash between two of them. Receivers compare numbers normalised (upper case, separators removed; README, Possible duplicates), so every spelling of one number is the same document. */
  number: string;
  /** Issuing country. */
  issuingCountry: CountryCode;
  /** Expiry date. */
  expiresOn?: CalendarDate;
};

// schemas/offender-travel-alert.v1.json#/$defs/conviction
/** A relevant conviction. */
export type Conviction = {
  /** Offence as convicted. */
  offence: string;
  /** Country of the conviction. */
  country: CountryCode;
  /** Date of the conviction. */
  date?: CalendarDate;
};

// schemas/offender-travel-alert.v1.json#/$defs/travel
/** The journey. */
export type Travel = {
  /** Where the subject departs from. */
  departureFrom: Place;
  /** Where the subject travels to. */
  destination: Place;
  /** Expected arrival date; drives the acknowledgement deadline. */
  arrivalDate: CalendarDate;
  /** Expected departure date from the destination. */
  expectedDepartureDate?: CalendarDate;
  /** Carrier (airline, bus company). */
  carrier?: string;
  /** Flight number (IATA designator and number). */
  flightNumber?: string;
  /** Expected port of entry. */
  portOfEntry?: PortOfEntry;
};

// schemas/offender-travel-alert.v1.json#/$defs/place
/** A country and, optionally, a city. */
export type Place = {
  /** Country. */
  country: CountryCode;
  /** City. */
  city?: PlaceName;
};

// schemas/offender-travel-alert.v1.json#/$defs/port
/** A port of entry. */
export type PortOfEntry = {
  /** Kind of port. */
  kind: "airport" | "land-border" | "river-port";
  /** Name of the port. */
  name: PlaceName;
  /** IATA airport code. */
  iata?: string;
  /** The land crossing, when kind is land-border. */
  crossingPoint?: CrossingPoint;
};

// schemas/offender-travel-alert.v1.json#/$defs/source
/** What the alert rests on. */
export type AlertSource = {
  /** Kind of source. */
  kind: "interpol-green-notice" | "national-notification" | "registry";
  /** Reference in the source (Green Notice number, notification or registry id). */
  reference: string;
  /** Issuing agency. */
  issuedBy?: Agency;
};

// schemas/repatriation-status-update.v1.json#
/** A step in a repatriation case, answering the case's notice (envelope inReplyTo and caseRef). */
export type RepatriationStatusUpdate = {
  /** The step reached. */
  status: "acknowledged" | "identity-verified" | "family-assessed" | "handover-scheduled" | "handover-completed" | "placed-in-care" | "reintegration-follow-up" | "case-closed";
  /** When the step took effect (UTC). */
  effectiveAt: Timestamp;
  /** The handover as scheduled; required when status is handover-scheduled. */
  handover?: Handover;
  /** Remarks for the other party. */
  note?: Note;
};

// schemas/victim-repatriation-notice.v1.json#
/** A child victim identified abroad is to be returned. Personal data: only for the parties of the case. The case reference is the envelope's caseRef. */
export type VictimRepatriationNotice = {
  /** Who the child is. */
  child: ChildIdentity;
  /** Date the child was identified as a victim. */
  identifiedOn?: CalendarDate;
  /** Agency that identified the child. */
  identifiedBy?: Agency;
  /** Identity documents known for the child and their status; empty when none is known. */
  identityDocuments: Array<IdentityDocument>;
  /** Forms of exploitation suffered. */
  exploitation: Exploitation;
  /** Where the child stays now. */
  currentPlacement: Placement;
  /** Planned handover: date, crossing point, escort, receiving agency. */
  handover: Handover;
  /** Care needs to be met on return; empty when none was assessed. */
  careNeeds: Array<CareNeed>;
  /** The child's own views (child-sensitive procedure, A/HRC/40/51/Add.1 para 70 h). */
  childViews: ChildViews;
  /** Whether a best-interests assessment was done, when and by whom. */
  bestInterestsAssessment: BestInterestsAssessment;
};

// schemas/victim-repatriation-notice.v1.json#/$defs/child
/** Identity of the child: names, sex, age, nationality, ethnicity, languages. */
export type ChildIdentity = {
  /** The child's names with language and script tags (Lao, Thai, Chinese, Latin transliteration). */
  names: Names;
  /** Sex of the child. */
  sex: "female" | "male" | "unknown";
  /** Date of birth when established; exactly one of dateOfBirth and estimatedAge. */
  dateOfBirth?: CalendarDate;
  /** Estimated age when the date of birth is not established; exactly one of dateOfBirth and estimatedAge. */
  estimatedAge?: EstimatedAge;
  /** Nationality the child claims (or stateless, unknown). */
  claimedNationality: Nationality;
  /** Ethnic group as the child states it. */
  ethnicGroup?: string;
  /** Languages the child speaks, most fluent first. */
  languages: Array<LanguageTag>;
  /** Whether an interpreter is needed to speak with the child. */
  interpreterNeeded: boolean;
};

// schemas/victim-repatriation-notice.v1.json#/$defs/estimatedAge
/** An age estimate and its basis. */
export type EstimatedAge = {
  /** Estimated age in whole years on assessedOn (the lower bound when in doubt: presumption of minority). */
  years: number;
  /** Basis of the estimate. */
  basis: "dental" | "skeletal" | "documentary" | "interview" | "other";
  /** Date of the assessment. */
  assessedOn: CalendarDate;
};

// schemas/victim-repatriation-notice.v1.json#/$defs/identityDocument
/** An identity document and what is known of it. */
export type IdentityDocument = {
  /** Kind of document (household-registration: the family book). */
  kind: "passport" | "national-id" | "birth-certificate" | "household-registration" | "travel-document" | "other";
  /** Status; withheld: held by a third party; none: never issued (e.g. birth never registered). */
  status: "valid" | "expired" | "altered" | "forged" | "lost" | "withheld" | "unverified" | "none";
  /** Document number. */
  number?: string;
  /** Issuing country. */
  issuingCountry?: CountryCode;
};

// schemas/victim-repatriation-notice.v1.json#/$defs/exploitation
/** Forms of exploitation. */
export type Exploitation = {
  /** Forms of exploitation (one or more). */
  forms: Array<"sexual" | "labour" | "forced-marriage" | "domestic-servitude" | "other">;
  /** What other means; required when forms contains other. */
  otherDescription?: Note;
};

// schemas/victim-repatriation-notice.v1.json#/$defs/placement
/** Where the child stays. */
export type Placement = {
  /** Kind of placement. */
  kind: "government-shelter" | "ngo-shelter" | "foster-care" | "hospital" | "with-relatives" | "immigration-detention" | "other";
  /** Name of the facility. */
  facility?: PlaceName;
  /** Province or city. */
  location?: PlaceName;
  /** Date the placement began. */
  since?: CalendarDate;
};

// schemas/victim-repatriation-notice.v1.json#/$defs/careNeed
/** A care need to be met on return. */
export type CareNeed = {
  /** Area of care. */
  area: "medical" | "psychosocial" | "legal" | "education";
  /** Whether the need must be met at handover. */
  urgent?: boolean;
  /** What is needed. */
  note?: Note;
};

// schemas/victim-repatriation-notice.v1.json#/$defs/childViews
/** The child's own views, as the child expressed them. */
export type ChildViews = {
  /** Whether the child was informed and consulted. */
  consulted: boolean;
  /** Date of the consultation; required when consulted. */
  consultedOn?: CalendarDate;
  /** Language the consultation was held in. */
  language?: LanguageTag;
  /** Whether the child wishes to return. */
  wishesToReturn: "yes" | "no" | "undecided" | "not-expressed";
  /** The child's views in brief. */
  summary?: string;
};

// schemas/victim-repatriation-notice.v1.json#/$defs/bestInterestsAssessment
/** Best-interests assessment. */
export type BestInterestsAssessment = {
  /** Whether the assessment was done. */
  done: boolean;
  /** Date of the assessment; required when done. */
  date?: CalendarDate;
  /** Agency that did it; required when done. */
  by?: Agency;
};
