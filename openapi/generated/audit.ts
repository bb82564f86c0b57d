/**
 * GENERATED FILE, do not edit. Made by `npm run generate` (services/core/src/openapi/generate.ts)
 * from openapi/audit.yaml and the JSON Schemas it references, with openapi-typescript 7.9.1.
 * Change the OpenAPI document or the schemas, then run `npm run generate`;
 * test/openapi/generated.test.ts fails while this file is stale.
 */
export interface paths {
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Query audit events
         * @description Audit events in log order (ascending leaf index), filtered, with cursor pagination.
         */
        get: operations["listEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/messages/{id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A message's history across endpoints
         * @description Every logged event about the message, from every gateway (submitted, published, delivered,
         *     receipt-received, read, responded, ...), in time order, each with its decoded event.
         *
         */
        get: operations["getMessageHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/messages/{id}/evidence": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An evidence bundle for one message
         * @description The message's events (signed bytes), each with an inclusion proof against one signed
         *     checkpoint, as one JSON document that `mx audit verify --bundle` checks offline. When the
         *     latest checkpoint does not cover every event yet, the service signs one first (after the same
         *     integrity checks as any checkpoint); `503` when it refuses to sign.
         *
         */
        get: operations["getMessageEvidence"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/leaves": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Leaves in index order
         * @description The exact bytes and leaf hash of consecutive leaves from `from` (default 0), with cursor
         *     pagination: what an auditor downloads to check every leaf. With `treeSize`, only leaves
         *     below it are listed and each carries its inclusion proof in the tree of that size.
         *
         */
        get: operations["listLeaves"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/leaves/{index}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A leaf's raw bytes and hash
         * @description The exact bytes of the signed audit event at `index`, and its RFC 9162 leaf hash.
         */
        get: operations["getLeaf"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/checkpoints/latest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The latest signed checkpoint
         * @description The most recent checkpoint; `404` until the first one is signed.
         */
        get: operations["getLatestCheckpoint"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/checkpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every signed checkpoint
         * @description All checkpoints in signing order (ascending tree size), with cursor pagination.
         */
        get: operations["listCheckpoints"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/proofs/inclusion": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Inclusion proof of a leaf
         * @description The RFC 9162 inclusion proof (audit path) of one leaf, named by `index` or by `eventId`
         *     (exactly one of them), in the tree of size `treeSize` (default: the latest checkpoint's).
         *
         */
        get: operations["getInclusionProof"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/proofs/consistency": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Consistency proof between two tree sizes
         * @description The RFC 9162 consistency proof that the tree of size `to` extends the tree of size `from`.
         */
        get: operations["getConsistencyProof"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/quarantine": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Events kept out of the tree
         * @description Records from `mx.audit` that could not be verified (bad signature, unknown key, schema
         *     violation, ...), kept outside the tree and never silently dropped. A record quarantined as
         *     `UNKNOWN_KEY` is verified again after every trust reload (revocation judged as of its
         *     original broker append time); once it verifies it is appended and its entry stays here
         *     with `readmittedAt` and `leafIndex`.
         *
         */
        get: operations["listQuarantine"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/gaps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Gaps in the gateways' event sequences
         * @description Per gateway, the sequence numbers missing from the log, and events whose `prev` digest does
         *     not match the gateway's previous logged event.
         *
         */
        get: operations["listGaps"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The log's state and whether checkpoints are being signed
         * @description The current tree size and root, the latest checkpoint, ingest counters, and the state of
         *     checkpoint signing: `refusing` (with the problem found) when the store failed the integrity
         *     check or the consistency proof from the previous checkpoint, so no checkpoint is signed.
         *     `trust` names the trust registry in use (re-read every `MX_TRUST_RELOAD_SECONDS`);
         *     `gateways` gives each gateway's lag: a gateway of which nothing was appended for more than
         *     `MX_AUDIT_SILENT_AFTER_SECONDS` is `silent` (gateways send a heartbeat event when idle, so a
         *     silent gateway is stalled or dead).
         *
         */
        get: operations["getStatus"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description The process is up and serving HTTP. No token needed.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description Ready only when the store is open, Kafka is reachable, the `mx.audit` consumer is a member
         *     of its group, no partition is stalled (a record retried past `MX_STALL_AFTER_MS` because
         *     the store or Kafka is out) and checkpoint signing is not refusing (a failed integrity check
         *     or a signer that failed, until the next signing succeeds). Otherwise 503 `UNAVAILABLE`
         *     whose `detail` names the reason, e.g. `partition mx.audit/0 stalled at offset 12: store
         *     unavailable (SQLITE_BUSY)`. No token needed.
         *
         */
        get: operations["getReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Problem details (RFC 9457). `code` is the stable, machine-readable error code from the error catalogue; `title` and `detail` are for people and may change. A problem never echoes request values, message bodies or stack traces. */
        Problem: {
            /**
             * Format: uri-reference
             * @description A URI reference identifying the problem type (`about:blank` when there is no more specific one).
             */
            type: string;
            /** @description A short human-readable summary of the problem type. */
            title: string;
            /** @description The HTTP status code of this response. */
            status: number;
            /** @description The error code from the error catalogue, e.g. `VALIDATION_FAILED`, `ROUTE_FORBIDDEN`. */
            code: components["schemas"]["ErrorCode"];
            /** @description A human-readable explanation of this occurrence (never contains request values). */
            detail?: string;
            /**
             * Format: uri-reference
             * @description Identifies this occurrence, e.g. `urn:uuid:<id>`. For a 500 it is the id that appears in the server's log line.
             */
            instance?: string;
            /** @description Field-level errors, one per violated constraint (request validation). */
            errors?: {
                /** @description JSON Pointer (RFC 6901) to the offending value in the request, e.g. `/body/child/sex`. */
                path: string;
                /** @description The violated constraint, e.g. the JSON Schema keyword (`required`, `maxLength`, `enum`). */
                code: string;
                /** @description A human-readable description that does not echo the value. */
                message: string;
            }[];
        };
        /**
         * @description An error code from the error catalogue; the README lists each with its HTTP status and meaning.
         * @enum {string}
         */
        ErrorCode: "MALFORMED" | "TOO_LARGE" | "NON_CANONICAL" | "ALG_NOT_ALLOWED" | "TYP_MISMATCH" | "CRIT_UNSUPPORTED" | "HEADER_NOT_ALLOWED" | "UNKNOWN_KEY" | "UNKNOWN_ENDPOINT" | "KEY_REVOKED" | "SIGNATURE_INVALID" | "SCHEMA_INVALID" | "SENDER_MISMATCH" | "KEY_NOT_VALID_AT_ISSUE_TIME" | "ISSUED_IN_FUTURE" | "TOO_OLD" | "LIFETIME_TOO_LONG" | "EXPIRED" | "ENCRYPTION_REQUIRED" | "DECRYPT_FAILED" | "ROUTE_FORBIDDEN" | "NOT_ADDRESSED" | "NOT_A_PARTY" | "ID_CONFLICT" | "TOO_MANY_RESPONSES" | "IDEMPOTENCY_KEY_REUSED" | "IDEMPOTENCY_KEY_IN_USE" | "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "METHOD_NOT_ALLOWED" | "NOT_ACCEPTABLE" | "UNSUPPORTED_MEDIA_TYPE" | "PAYLOAD_TOO_LARGE" | "BAD_JSON" | "INVALID_PARAMETER" | "HEADERS_TOO_LARGE" | "RATE_LIMITED" | "VALIDATION_FAILED" | "INTERNAL" | "UNAVAILABLE";
        /**
         * AuditEvent
         * @description One event in a gateway's audit chain. Metadata only: ids, types, endpoints, pseudonyms, digests, outcomes, reason codes; no personal data field exists.
         */
        AuditEvent: {
            /** @description The gateway's event sequence number, from 1, without gaps. */
            seq: number;
            /** @description Digest of the gateway's previous signed event; null exactly when seq is 1. */
            prevDigest: components["schemas"]["CommonDefsV1.digest"] | null;
            /** @description The emitting gateway; equals the envelope's from. */
            gateway: components["schemas"]["CommonDefsV1.endpoint"];
            /**
             * @description What happened.
             * @enum {string}
             */
            action: "submitted" | "rejected" | "published" | "delivered" | "receipt-received" | "read" | "accessed" | "responded" | "dead-lettered" | "key-rotated" | "heartbeat" | "escalated";
            /** @description The message concerned. */
            messageId?: components["schemas"]["CommonDefsV1.messageId"];
            /** @description Its type. */
            messageType?: components["schemas"]["CommonDefsV1.messageType"];
            /** @description SHA-256 of its exact record bytes. */
            messageDigest?: components["schemas"]["CommonDefsV1.digest"];
            /** @description The other endpoint involved (recipient or sender). */
            counterpart?: components["schemas"]["CommonDefsV1.endpoint"];
            /** @description Pseudonym of the officer who acted. */
            officer?: components["schemas"]["CommonDefsV1.officerPseudonym"];
            /**
             * @description Outcome, where the action has one (a receipt-received event carries its receipt's outcome: accepted, rejected or read).
             * @enum {string}
             */
            outcome?: "accepted" | "rejected" | "read";
            /** @description Reason code of a rejection or dead letter. */
            reasonCode?: components["schemas"]["CommonDefsV1.reasonCode"];
            /** @description Key id concerned (key-rotated). */
            kid?: components["schemas"]["CommonDefsV1.keyId"];
            /** @description When it happened (UTC): when the fact was recorded. The envelope's issuedAt is when the event was signed, which may be later. */
            at: components["schemas"]["CommonDefsV1.timestamp"];
        } & unknown;
        /** @description One logged audit event, by its place in the log. */
        EventSummary: components["schemas"]["EventFields"];
        /** @description What the log's index holds about one leaf. */
        EventFields: {
            index: components["schemas"]["LeafIndex"];
            eventId: components["schemas"]["EventId"];
            leafHash: components["schemas"]["Hash"];
            gateway: components["schemas"]["Endpoint"];
            seq: components["schemas"]["Seq"];
            /** @description The event's link to its gateway's previous event (`null` for `seq` 1). */
            prevDigest: components["schemas"]["Digest"] | null;
            action: components["schemas"]["AuditAction"];
            messageId?: components["schemas"]["MessageId"];
            messageType?: components["schemas"]["MessageType"];
            /** @description When the gateway recorded the event. */
            at: components["schemas"]["Timestamp"];
        };
        EventPage: {
            items: components["schemas"]["EventSummary"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        /** @description A logged event with its decoded (verified) payload. */
        HistoryEntry: components["schemas"]["EventFields"] & {
            event: components["schemas"]["AuditEvent"];
        };
        MessageHistory: {
            messageId: components["schemas"]["MessageId"];
            /** @description Every logged event about the message, in time order (`at`, then leaf index). */
            events: components["schemas"]["HistoryEntry"][];
        };
        Leaf: {
            index: components["schemas"]["LeafIndex"];
            leafHash: components["schemas"]["Hash"];
            /** @description The exact bytes of the signed audit event (flattened JWS, UTF-8), base64. */
            bytes: string;
            /** @description Only in `GET /v1/leaves?treeSize=`, the leaf's inclusion proof in the tree of that size. */
            proof?: components["schemas"]["ProofPath"];
        };
        LeafPage: {
            items: components["schemas"]["Leaf"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        /** @description A signed statement of the log's size and root hash at a time. */
        Checkpoint: {
            /** @description The log's identity, e.g. `mx-audit.example/log`. */
            origin: string;
            treeSize: components["schemas"]["TreeSize"];
            rootHash: components["schemas"]["Hash"];
            /** @description When the checkpoint was signed. */
            time: components["schemas"]["Timestamp"];
            /** @description A JWS (compact serialization, EdDSA/Ed25519, the audit service's key) whose payload binds
             *     `origin`, `treeSize`, `rootHash` and `time`; verify it with the audit service's public key.
             *      */
            signature: string;
        };
        CheckpointPage: {
            items: components["schemas"]["Checkpoint"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        InclusionProof: {
            index: components["schemas"]["LeafIndex"];
            treeSize: components["schemas"]["TreeSize"];
            leafHash: components["schemas"]["Hash"];
            proof: components["schemas"]["ProofPath"];
            rootHash: components["schemas"]["Hash"];
        };
        ConsistencyProof: {
            from: components["schemas"]["TreeSize"];
            to: components["schemas"]["TreeSize"];
            proof: components["schemas"]["ProofPath"];
            fromRoot: components["schemas"]["Hash"];
            toRoot: components["schemas"]["Hash"];
        };
        EvidenceEntry: {
            index: components["schemas"]["LeafIndex"];
            eventId: components["schemas"]["EventId"];
            leafHash: components["schemas"]["Hash"];
            /** @description The exact bytes of the signed audit event, base64. */
            bytes: string;
            proof: components["schemas"]["ProofPath"];
        };
        /** @description Everything needed to check one message's history offline: its events' signed bytes, each
         *     with an inclusion proof against `checkpoint` (whose tree size every proof uses). The verifier
         *     brings its own copy of the audit service's and gateways' public keys.
         *      */
        EvidenceBundle: {
            /** @constant */
            format: "mx-evidence-bundle/v1";
            messageId: components["schemas"]["MessageId"];
            checkpoint: components["schemas"]["Checkpoint"];
            entries: components["schemas"]["EvidenceEntry"][];
        };
        /** @description A record from `mx.audit` kept outside the tree (metadata only). */
        QuarantinedRecord: {
            /** @description The quarantine entry's id. */
            id: string;
            topic: string;
            partition: number;
            /** @description The record's offset (a decimal string, as Kafka offsets are 64-bit). */
            offset: string;
            digest: components["schemas"]["Digest"];
            /** @description Why it could not be logged, e.g. `SIGNATURE_INVALID`, `UNKNOWN_KEY`. */
            reasonCode: components["schemas"]["ErrorCode"];
            at: components["schemas"]["Timestamp"];
            /** @description The signing endpoint, once its signature verified. */
            gateway?: components["schemas"]["Endpoint"];
            /** @description When the record, first quarantined as `UNKNOWN_KEY`, verified after a trust reload and was appended. */
            readmittedAt?: components["schemas"]["Timestamp"];
            /** @description The leaf the re-admitted record became. */
            leafIndex?: components["schemas"]["LeafIndex"];
        };
        QuarantinePage: {
            items: components["schemas"]["QuarantinedRecord"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        Gap: {
            gateway: components["schemas"]["Endpoint"];
            /**
             * @description `missing`: sequence numbers `fromSeq`..`toSeq` were never logged. `chain-mismatch`: the event
             *     at `toSeq` names a previous-event digest that differs from the logged event at `fromSeq`.
             *     `conflict`: two different signed events of the gateway carry sequence number `fromSeq`
             *     (= `toSeq`), a forked trail.
             *
             * @enum {string}
             */
            kind: "missing" | "chain-mismatch" | "conflict";
            fromSeq: components["schemas"]["Seq"];
            toSeq: components["schemas"]["Seq"];
            detectedAt: components["schemas"]["Timestamp"];
        };
        GapReport: {
            items: components["schemas"]["Gap"][];
        };
        Status: {
            origin: string;
            treeSize: components["schemas"]["TreeSize"];
            rootHash: components["schemas"]["Hash"];
            latestCheckpoint?: components["schemas"]["Checkpoint"];
            checkpointing: {
                /**
                 * @description `refusing` while the last attempt to sign a checkpoint was refused.
                 * @enum {string}
                 */
                state: "ok" | "refusing";
                /** @description Refused signing attempts since the service started. */
                refusals: number;
                lastRefusal?: components["schemas"]["CheckpointRefusal"];
            };
            ingest: {
                /** @description Leaves appended since the service started. */
                appended: number;
                /** @description Redelivered records that were already in the log (no new leaf). */
                duplicates: number;
                /** @description Records in the quarantine list (all time). */
                quarantined: number;
                /** @description Entries in the gap report (all gateways). */
                gaps: number;
                /** @description Quarantined records appended after a trust reload made them verify (all time). */
                readmitted: number;
            };
            /** @description The `mx.audit` consumer. */
            consumer: {
                /** @description A member of its consumer group holding its assignment (false while joining, rebalancing or crashed). */
                member: boolean;
                /** @description Times the consumer crashed and was restarted since the service started. */
                restarts: number;
                /** @description Partitions whose current record is retried because the store or Kafka is out, for longer than `MX_STALL_AFTER_MS` (`/v1/ready` answers 503 meanwhile). */
                stalled: components["schemas"]["StalledPartition"][];
            };
            trust: components["schemas"]["TrustStatus"];
            /** @description Every endpoint of the trust registry in use and every gateway with a logged event, by name. */
            gateways: components["schemas"]["GatewayLag"][];
        };
        /** @description The trust registry in use. The trust directory is compared every `MX_TRUST_RELOAD_SECONDS`; a
         *     change is validated in full before use, and a bad one refused (`problem`, `refusedVersion`)
         *     while the last good registry stays in use.
         *      */
        TrustStatus: {
            /** @description Digest of the trust files' names and bytes in use (equal files, equal version, on any machine). */
            version: string;
            loadedAt: components["schemas"]["Timestamp"];
            checkedAt: components["schemas"]["Timestamp"];
            /** @description Why the newest files were refused. */
            problem?: string;
            /** @description Version of the refused files (`?` when they could not be read). */
            refusedVersion?: string;
            /** @description The endpoints with a signing key in the registry in use. */
            endpoints: components["schemas"]["Endpoint"][];
        };
        /** @description Where a gateway's audit trail stands. */
        GatewayLag: {
            gateway: components["schemas"]["Endpoint"];
            /** @description The highest sequence number logged (0 when none). */
            lastSeq: number;
            /** @description `issuedAt` (signing time) of the gateway's newest logged event. */
            lastIssuedAt?: components["schemas"]["Timestamp"];
            /** @description When the broker appended that event to `mx.audit` (LogAppendTime, a clock the gateway does not choose). */
            lastAppendedAt?: components["schemas"]["Timestamp"];
            /** @description Seconds from `lastAppendedAt` to now. */
            lagSeconds?: number;
            /** @description Nothing appended for more than `MX_AUDIT_SILENT_AFTER_SECONDS` (or never, with the service running longer than that). */
            silent: boolean;
        };
        StalledPartition: {
            topic: string;
            partition: number;
            /** @description The record being retried. */
            offset: string;
            /** @description The outage, e.g. `store unavailable (SQLITE_BUSY)`; never record content. */
            reason: string;
            /** @description When the first attempt at the record began. */
            since: components["schemas"]["Timestamp"];
        };
        CheckpointRefusal: {
            at: components["schemas"]["Timestamp"];
            /** @description The tree size that was not signed. */
            treeSize: components["schemas"]["TreeSize"];
            /** @description What the integrity check or the consistency proof found (e.g. `node-hash-mismatch level 1 index 2`). */
            problem: string;
        };
        Health: {
            /** @constant */
            status: "ok";
        };
        Ready: {
            /** @constant */
            status: "ready";
        };
        /** @description At most 2^53 - 1, the largest integer the service (and JSON in JavaScript) handles exactly. */
        LeafIndex: number;
        /** @description At most 2^53 - 1, the largest integer the service (and JSON in JavaScript) handles exactly. */
        TreeSize: number;
        /** @description A SHA-256 hash (RFC 9162 leaf or node hash), base64. */
        Hash: string;
        /** @description The proof's node hashes, in RFC 9162 order. */
        ProofPath: components["schemas"]["Hash"][];
        /** @description An audit event's id: the SHA-256 digest of its exact signed bytes (base64url), the same
         *     digest that identifies every record in the exchange. Anyone holding the bytes can recompute it.
         *      */
        EventId: components["schemas"]["Digest"];
        /** @description Opaque: pass back a `nextCursor` unchanged. Anything else (or a cursor of another list) is
         *     answered 422 `VALIDATION_FAILED`.
         *      */
        Cursor: string;
        /** @description Pass as `cursor` for the next page; `null` on the last page. */
        NextCursor: components["schemas"]["Cursor"] | null;
        Endpoint: components["schemas"]["CommonDefsV1.endpoint"];
        MessageId: components["schemas"]["CommonDefsV1.messageId"];
        Digest: components["schemas"]["CommonDefsV1.digest"];
        MessageType: components["schemas"]["CommonDefsV1.messageType"];
        Timestamp: components["schemas"]["CommonDefsV1.timestamp"];
        AuditAction: components["schemas"]["AuditEvent"]["action"];
        Seq: components["schemas"]["AuditEvent"]["seq"];
        /**
         * Common definitions
         * @description Definitions shared by the envelope and the body schemas. Every string is bounded, every array is bounded, every object is closed.
         */
        CommonDefsV1: unknown;
        /**
         * Endpoint
         * @description A counterpart gateway: an ISO 3166-1 alpha-2 country code or INTERPOL.
         * @example LA
         * @example TH
         * @example CN
         * @example INTERPOL
         */
        "CommonDefsV1.endpoint": string;
        /**
         * CountryCode
         * @description ISO 3166-1 alpha-2 country code.
         */
        "CommonDefsV1.countryCode": string;
        /**
         * Nationality
         * @description Claimed nationality: an ISO 3166-1 alpha-2 code, or stateless, or unknown.
         */
        "CommonDefsV1.nationality": string;
        /**
         * Uuid
         * @description An RFC 9562 UUID, lower-case canonical text form.
         */
        "CommonDefsV1.uuid": string;
        /**
         * MessageId
         * @description A message id: an RFC 9562 UUID version 7 (time-ordered), lower-case canonical text form.
         */
        "CommonDefsV1.messageId": string;
        /**
         * MessageTypeName
         * @description The type of a notice document.
         * @enum {string}
         */
        "CommonDefsV1.messageType": "victim-repatriation-notice" | "repatriation-status-update" | "offender-travel-alert" | "offender-alert-response" | "delivery-receipt" | "audit-event";
        /**
         * Timestamp
         * Format: date-time
         * @description An RFC 3339 date-time in UTC with a Z suffix (the form Date.prototype.toISOString produces), so timestamps compare as text.
         */
        "CommonDefsV1.timestamp": string;
        /**
         * CalendarDate
         * Format: date
         * @description An RFC 3339 full-date (YYYY-MM-DD).
         */
        "CommonDefsV1.date": string;
        /**
         * LanguageTag
         * @description A BCP 47 language tag restricted to language, optional ISO 15924 script and optional region (lo, th, zh-Hans, en, lo-Latn, hnj, zh-Hans-CN).
         */
        "CommonDefsV1.langTag": string;
        /**
         * ScriptCode
         * @description An ISO 15924 script code (Laoo, Thai, Hans, Hant, Latn).
         */
        "CommonDefsV1.scriptCode": string;
        /**
         * MultilingualName
         * @description One written form of a person's name, tagged with its language and script.
         */
        "CommonDefsV1.multilingualName": {
            /** @description Language of this form of the name (lo-Latn for a Latin transliteration of a Lao name). */
            lang: components["schemas"]["CommonDefsV1.langTag"];
            /** @description Script of the value when the language tag does not carry it. */
            script?: components["schemas"]["CommonDefsV1.scriptCode"];
            /** @description The name as written. */
            value: string;
        };
        /**
         * Names
         * @description A person's name in each language and script it is known in (at least one).
         */
        "CommonDefsV1.names": components["schemas"]["CommonDefsV1.multilingualName"][];
        /**
         * CaseRef
         * @description A case reference: the opening endpoint, the year and a six-digit serial (TH-2026-000123).
         */
        "CommonDefsV1.caseRef": string;
        /**
         * OfficerPseudonym
         * @description An officer as a pseudonym: a keyed hash (HMAC) of the identity-provider subject, stable per endpoint (base64url or hex text).
         */
        "CommonDefsV1.officerPseudonym": string;
        /**
         * Agency
         * @description The name of an agency or unit (no personal names).
         */
        "CommonDefsV1.agency": string;
        /**
         * Note
         * @description Free text, bounded.
         */
        "CommonDefsV1.note": string;
        /**
         * PlaceName
         * @description The name of a place, facility or border crossing.
         */
        "CommonDefsV1.placeName": string;
        /**
         * Digest
         * @description A SHA-256 digest of the exact record bytes, base64url without padding (43 characters).
         */
        "CommonDefsV1.digest": string;
        /**
         * ReasonCode
         * @description A machine-readable reason code from the error catalogue (SIGNATURE_INVALID, SCHEMA_INVALID, ...).
         */
        "CommonDefsV1.reasonCode": string;
        /**
         * KeyId
         * @description A signing key id as it appears in a JWS kid: <ENDPOINT>:<key-id>.
         */
        "CommonDefsV1.keyId": string;
        /**
         * CrossingPoint
         * @description A border crossing point: one of the named crossings, or other with its name.
         */
        "CommonDefsV1.crossingPoint": {
            /**
             * @description nong-khai-vientiane: First Thai-Lao Friendship Bridge; chong-mek-vang-tao: Chong Mek - Vang Tao (Ubon Ratchathani - Champasak); mukdahan-savannakhet: Second Friendship Bridge; chiang-khong-huay-xai: Chiang Khong - Huay Xai; boten-mohan: Boten - Mohan (Lao-China); other: named in name.
             * @enum {string}
             */
            code: "nong-khai-vientiane" | "chong-mek-vang-tao" | "mukdahan-savannakhet" | "chiang-khong-huay-xai" | "boten-mohan" | "other";
            /** @description Name of the crossing; required when code is other. */
            name?: components["schemas"]["CommonDefsV1.placeName"];
        } & unknown;
        /**
         * Escort
         * @description Who accompanies the child across the border.
         */
        "CommonDefsV1.escort": {
            /** @description Agency providing the escort. */
            agency: components["schemas"]["CommonDefsV1.agency"];
            /** @description Number of escorting staff. */
            count?: number;
            /** @description Whether a social worker is among the escort. */
            includesSocialWorker?: boolean;
            /** @description Whether a female staff member is among the escort. */
            includesFemaleStaff?: boolean;
        };
        /**
         * Handover
         * @description The planned handover of a child at the border.
         */
        "CommonDefsV1.handover": {
            /** @description Planned handover date. */
            plannedDate?: components["schemas"]["CommonDefsV1.date"];
            /** @description Where the handover takes place. */
            crossingPoint?: components["schemas"]["CommonDefsV1.crossingPoint"];
            /** @description Who escorts the child. */
            escort?: components["schemas"]["CommonDefsV1.escort"];
            /** @description Agency that receives the child (e.g. Lao Women's Union counselling centre). */
            receivingAgency: components["schemas"]["CommonDefsV1.agency"];
        };
        /**
         * EncryptedBody
         * @description A JWE in general JSON serialization (RFC 7516 section 7.2.1), ECDH-ES+A256KW with X25519 per recipient and A256GCM; the envelope id, from, type and schema are bound in the protected header (mx-id, mx-from, mx-type, mx-schema).
         */
        "CommonDefsV1.encryptedBody": {
            /** @description The JWE protected header, base64url. */
            protected: components["schemas"]["CommonDefsV1.base64urlShort"];
            /** @description One entry per recipient endpoint. */
            recipients: components["schemas"]["CommonDefsV1.jweRecipient"][];
            /** @description Additional authenticated data, base64url. */
            aad?: components["schemas"]["CommonDefsV1.base64urlShort"];
            /** @description Initialization vector, base64url. */
            iv: string;
            /** @description Ciphertext, base64url. */
            ciphertext: string;
            /** @description Authentication tag, base64url. */
            tag: string;
        };
        /**
         * JweRecipient
         * @description A JWE recipient entry.
         */
        "CommonDefsV1.jweRecipient": {
            /** @description Per-recipient unprotected header. */
            header: {
                /**
                 * @description Key management algorithm.
                 * @enum {string}
                 */
                alg: "ECDH-ES+A256KW";
                /** @description The recipient's encryption key id. */
                kid: components["schemas"]["CommonDefsV1.keyId"];
                /** @description Ephemeral public key (X25519). */
                epk?: {
                    /**
                     * @description Key type.
                     * @constant
                     */
                    kty: "OKP";
                    /**
                     * @description Curve.
                     * @constant
                     */
                    crv: "X25519";
                    /** @description Public key, base64url. */
                    x: string;
                };
            };
            /** @description The wrapped content encryption key, base64url. */
            encrypted_key: string;
        };
        /**
         * Base64urlShort
         * @description Base64url text up to 4096 characters.
         */
        "CommonDefsV1.base64urlShort": string;
    };
    responses: {
        /** @description A missing, malformed or out-of-range parameter (`VALIDATION_FAILED`; `errors` lists each one). */
        InvalidParameter: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The bearer token is missing, malformed, expired or not signed by a trusted identity provider. */
        Unauthorized: {
            headers: {
                /** @description `Bearer` with an `error` parameter (RFC 6750). */
                "WWW-Authenticate"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The token does not carry the `auditor` role. */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such message, leaf, event or checkpoint in the log. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The path exists but does not support this method (TRACE included); `Allow` lists those it does (`METHOD_NOT_ALLOWED`). */
        MethodNotAllowed: {
            headers: {
                /** @description The methods the path supports. */
                Allow?: string;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request headers, or the bearer token in them, exceed the server's header size limit (`HEADERS_TOO_LARGE`); the connection is closed. */
        HeadersTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description An unexpected error. `instance` is the id in the server's log line; no stack is returned. */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The store is not open or Kafka is not reachable, the service is shutting down, or (evidence) it refuses to sign the checkpoint the bundle needs. */
        ServiceUnavailable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /** @description The message id (UUIDv7). */
        MessageIdPath: components["schemas"]["MessageId"];
        /** @description The leaf index (0-based). */
        LeafIndexPath: components["schemas"]["LeafIndex"];
        /** @description The opaque `nextCursor` of the previous page; omit for the first page. */
        Cursor: components["schemas"]["Cursor"];
        /** @description The maximum number of items in the page. */
        Limit: number;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listEvents: {
        parameters: {
            query?: {
                /** @description Only events about this message. */
                messageId?: components["schemas"]["MessageId"];
                /** @description Only events emitted by this gateway. */
                endpoint?: components["schemas"]["Endpoint"];
                /** @description Only events about messages of this type. */
                type?: components["schemas"]["MessageType"];
                /** @description Only events with this action. */
                action?: components["schemas"]["AuditAction"];
                /** @description Only events at or after this instant (the event's own `at`). */
                from?: components["schemas"]["Timestamp"];
                /** @description Only events before this instant. */
                until?: components["schemas"]["Timestamp"];
                /** @description The opaque `nextCursor` of the previous page; omit for the first page. */
                cursor?: components["parameters"]["Cursor"];
                /** @description The maximum number of items in the page. */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of events. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventPage"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getMessageHistory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The message id (UUIDv7). */
                id: components["parameters"]["MessageIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message's history. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MessageHistory"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getMessageEvidence: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The message id (UUIDv7). */
                id: components["parameters"]["MessageIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The evidence bundle. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EvidenceBundle"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listLeaves: {
        parameters: {
            query?: {
                /** @description The first leaf index (ignored when `cursor` is given). */
                from?: components["schemas"]["LeafIndex"];
                /** @description Add each leaf's inclusion proof in the tree of this size (at most the log's size). */
                treeSize?: components["schemas"]["TreeSize"];
                /** @description The opaque `nextCursor` of the previous page; omit for the first page. */
                cursor?: components["parameters"]["Cursor"];
                /** @description The maximum number of items in the page. */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of leaves. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LeafPage"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getLeaf: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The leaf index (0-based). */
                index: components["parameters"]["LeafIndexPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The leaf. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Leaf"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getLatestCheckpoint: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The latest checkpoint. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Checkpoint"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    listCheckpoints: {
        parameters: {
            query?: {
                /** @description The opaque `nextCursor` of the previous page; omit for the first page. */
                cursor?: components["parameters"]["Cursor"];
                /** @description The maximum number of items in the page. */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of checkpoints. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckpointPage"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getInclusionProof: {
        parameters: {
            query?: {
                /** @description The leaf index. */
                index?: components["schemas"]["LeafIndex"];
                /** @description The audit event id (instead of `index`). */
                eventId?: components["schemas"]["EventId"];
                /** @description The size of the tree to prove against; must exceed the leaf index and not exceed the log's size. */
                treeSize?: components["schemas"]["TreeSize"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The inclusion proof. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InclusionProof"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getConsistencyProof: {
        parameters: {
            query: {
                /** @description The smaller tree size (at least 1). */
                from: components["schemas"]["TreeSize"];
                /** @description The larger tree size (at most the log's size). */
                to: components["schemas"]["TreeSize"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The consistency proof. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsistencyProof"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    listQuarantine: {
        parameters: {
            query?: {
                /** @description The opaque `nextCursor` of the previous page; omit for the first page. */
                cursor?: components["parameters"]["Cursor"];
                /** @description The maximum number of items in the page. */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of quarantined records. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QuarantinePage"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    listGaps: {
        parameters: {
            query?: {
                /** @description Only gaps of this gateway. */
                endpoint?: components["schemas"]["Endpoint"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The gaps (an empty list when every sequence is complete). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GapReport"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            422: components["responses"]["InvalidParameter"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getStatus: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The status. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Status"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            405: components["responses"]["MethodNotAllowed"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getReady: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Ready"];
                };
            };
            405: components["responses"]["MethodNotAllowed"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
}
