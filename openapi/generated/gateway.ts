/**
 * GENERATED FILE, do not edit. Made by `npm run generate` (services/core/src/openapi/generate.ts)
 * from openapi/gateway.yaml and the JSON Schemas it references, with openapi-typescript 7.9.1.
 * Change the OpenAPI document or the schemas, then run `npm run generate`;
 * test/openapi/generated.test.ts fails while this file is stale.
 */
export interface paths {
    "/v1/notices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit a new notice
         * @description Validates the body against the schema of `type`, checks the routing policy (may this endpoint
         *     send `type` to every endpoint in `to`; are they parties to the case), builds and signs the
         *     envelope, and writes it with its audit events to the transactional outbox. Answers `202`
         *     once the notice is durably queued; the outbox relay publishes it to each recipient's
         *     `mx.inbox.<ENDPOINT>` topic. Follow it with `GET /v1/messages/{id}`.
         *
         *     A `victim-repatriation-notice` without `caseRef` opens a new case: the gateway assigns the
         *     next free reference under its own prefix (`<ENDPOINT>-<year>-<number>`) and returns it as
         *     `caseRef` in the answer.
         *
         */
        post: operations["submitNotice"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/messages/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A sent or received message and its lifecycle
         * @description A message this endpoint sent or received, without its body: per recipient whether it was
         *     published, delivered (a verified receipt came back), rejected, read and answered, and
         *     whether the receipt is overdue. A received offender alert also lists its `possibleDuplicates`.
         *
         */
        get: operations["getMessage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List what arrived at this endpoint
         * @description Summaries (no bodies) of verified messages addressed to this endpoint, oldest first, with
         *     cursor pagination. The INTERPOL desk only ever sees offender alerts. An offender alert
         *     carries its travel (`alert`) and its `possibleDuplicates`.
         *
         */
        get: operations["listInbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-Sent Events stream of arrivals and lifecycle changes
         * @description A `text/event-stream` (Server-Sent Events) of what happens at this endpoint, as it commits:
         *     `arrival` (a message stored in this endpoint's inbox, `status: unread`), `lifecycle` (a
         *     recipient of a message this endpoint sent changed state: `delivered`, `rejected`, `read`,
         *     `responded`), `escalation` (an offender alert escalated, at the sender per recipient and at the
         *     receiver, `status: escalated`), `possible-duplicate` (a received offender alert was linked to
         *     another as a possible duplicate, one event for each, `status: linked`, `counterpart` the other
         *     alert's sender), and kinds added later; a client ignores a kind it does not
         *     know. Metadata only (see `InboxEvent`), never a body. Filtered by role exactly as
         *     `GET /v1/inbox`: the INTERPOL desk never receives an event about a victim notice or status
         *     update, not even its id. Auditors read the audit service, not the desks' stream.
         *
         *     Each event is `id: <n>`, `event: <kind>`, `data: <InboxEvent as JSON>` and a blank line; ids
         *     grow monotonically. Without `Last-Event-ID` the stream starts with events from now on; with
         *     it (or `lastEventId`), first every event after that id still kept (events are kept 7 days),
         *     then live ones. A comment line (`: heartbeat`) comes every `MX_SSE_HEARTBEAT_SECONDS`. The
         *     stream ends when the token expires (reconnect with a fresh token and `Last-Event-ID`). An
         *     officer holds at most `MX_SSE_MAX_STREAMS_PER_OFFICER` open streams; one more is 429.
         *
         */
        get: operations["streamInboxEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read one received message
         * @description The received message with its full notice document (body included). Every call is an audit
         *     event naming the officer's pseudonym: the first read is `read` (the item is marked read and
         *     a signed read receipt goes back to the sender, whose lifecycle then shows `read`); every
         *     later one is `accessed`.
         *
         */
        get: operations["getInboxItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox/{id}/responses": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Answer a received message
         * @description Sends a new signed message with `inReplyTo` set to `{id}`, addressed only to the original's
         *     sender and carrying the original's `caseRef`: a `repatriation-status-update` answers a
         *     `victim-repatriation-notice`, an `offender-alert-response` answers an `offender-travel-alert`.
         *     Queued through the outbox exactly like `POST /v1/notices`. One message takes at most 100
         *     responses (`TOO_MANY_RESPONSES`).
         *
         */
        post: operations["respondToInboxItem"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/cases/{caseRef}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every message of a case
         * @description The case's parties (fixed by its first notice: `from` plus `to`) and every message of the case
         *     that this endpoint sent or received, in order, each with its lifecycle (no bodies), one page
         *     at a time (`cursor`, `limit`): a case has no bound on its number of messages.
         *
         */
        get: operations["getCase"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What this endpoint quarantined, and why
         * @description Records read from this endpoint's inbox topic that failed verification and were written to
         *     `mx.dlq.<ENDPOINT>`: where the record is, its digest and the reason code. Metadata only: never
         *     the record's payload.
         *
         */
        get: operations["listDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/statistics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Aggregate statistics of this endpoint's exchange, small cells suppressed
         * @description Figures computed from this gateway's own store, per calendar month (UTC) of each message's
         *     `issuedAt`, from `from` to `to`: victim notices sent and received by age band x sex x form of
         *     exploitation x border crossing; repatriation step durations (notice to each status step:
         *     count, median and 90th percentile, nearest rank, in hours); offender alert timeliness per
         *     class and counterpart; response times (receipt to first response). The README's "Statistics"
         *     section defines each figure.
         *
         *     Disclosure control: any count under 5, zero included, is the string `<5`; a median or
         *     percentile of fewer than 5 durations is the string `suppressed`. Each table lists every
         *     combination of its classes for every month, and no figure depends on the requested range, so
         *     neither absence nor two overlapping requests reveal a suppressed cell. No identifying value
         *     (id, case reference, name, date of birth, document number, pseudonym, free text) ever appears.
         *     At the INTERPOL gateway, which never holds victim data, only the alert tables are present.
         *
         *     Format: `?format=csv` or `?format=json` decides; without it, the `Accept` header does
         *     (`text/csv` or `application/json`; JSON when both or anything is acceptable, 406
         *     `NOT_ACCEPTABLE` when neither is). The CSV is one long table (RFC 4180, header row,
         *     CRLF): `section,month,direction,counterpart,type,age_band,sex,exploitation,crossing,step,timeliness,count,median_hours,p90_hours`,
         *     each row one cell of one section (`victim-notices`, `repatriation-steps`,
         *     `alert-timeliness`, `response-times`), the columns that do not apply to it empty.
         *
         *     For auditors and analysts only (the `analyst` role may call nothing else).
         *
         */
        get: operations["getStatistics"];
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
         * @description Ready only when the store is open, Kafka is reachable, the inbox consumer is a member of
         *     its group and no partition is stalled (a record retried past `MX_STALL_AFTER_MS` because
         *     the store or Kafka is out). Otherwise 503 `UNAVAILABLE` whose `detail` names the reason,
         *     e.g. `partition mx.inbox.LA/0 stalled at offset 12: store unavailable (SQLITE_BUSY)`. Also
         *     503 when the audit trail is stalled: an audit event recorded more than
         *     `MX_AUDIT_STALL_AFTER_SECONDS` ago is still unsigned or unpublished (`detail` starts with
         *     `audit trail stalled`; `GET /v1/status` shows the backlog). No token needed.
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
    "/v1/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Operational status
         * @description What an operator watches, counts, digests and times only (no token needed, like `/v1/ready`).
         *     `trust`: the version of the trust registry, routing policy and private key file this gateway
         *     uses (a digest of the files' names and bytes: equal versions mean equal files), when it was
         *     loaded and last compared with the files (every `MX_TRUST_RELOAD_SECONDS`), and the endpoints
         *     with signing keys; when the files changed but were refused (invalid JSON, a key of the wrong
         *     endpoint, a bad policy), `problem` says why and `refusedVersion` names them, and the last good
         *     version stays in use. `auditTrail` counts the audit events recorded but not yet signed and
         *     those signed but not yet acknowledged by the broker, with the recording time of the oldest;
         *     `stalled` is true once that is older than `MX_AUDIT_STALL_AFTER_SECONDS` (and `/v1/ready`
         *     then answers 503).
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
         * NoticeEnvelope
         * @description The notice document carried as the JWS payload. This schema checks the envelope only; body is checked against the schema of its type (bodySchemaId(type)), never a schema named by the sender.
         */
        NoticeDocument: ({
            /** @description Message id (UUIDv7), unique per sender; dedup key is (from, id). */
            id: components["schemas"]["CommonDefsV1.messageId"];
            /** @description Message type; selects the body schema and the routing rule. */
            type: components["schemas"]["CommonDefsV1.messageType"];
            /** @description The $id of the body schema; must equal the id derived from type. */
            schema: string;
            /** @description Sending endpoint; must own the signing key. */
            from: components["schemas"]["CommonDefsV1.endpoint"];
            /** @description Recipient endpoints (an audit event is addressed to its own gateway). */
            to: components["schemas"]["CommonDefsV1.endpoint"][];
            /** @description When the sender signed the document (UTC). */
            issuedAt: components["schemas"]["CommonDefsV1.timestamp"];
            /** @description After this instant the document is no longer accepted (UTC). */
            expiresAt: components["schemas"]["CommonDefsV1.timestamp"];
            /** @description Case reference; required for victim-repatriation-notice and repatriation-status-update. */
            caseRef?: components["schemas"]["CommonDefsV1.caseRef"];
            /** @description Id of the message answered; required for repatriation-status-update and offender-alert-response. */
            inReplyTo?: components["schemas"]["CommonDefsV1.messageId"];
            /** @description Who sent the document, as a pseudonym and an agency. */
            sender: {
                /** @description Pseudonym of the submitting officer (or of the gateway for automatic messages). */
                officer: components["schemas"]["CommonDefsV1.officerPseudonym"];
                /** @description Sending agency or unit. */
                agency: components["schemas"]["CommonDefsV1.agency"];
            };
            /** @description The message body in clear, checked against the schema of type. */
            body?: components["schemas"]["NoticeDocument.clearBody"];
            /** @description The body encrypted to the recipients (JWE general JSON); every business type is sent this way, receipts and audit events never. */
            encryptedBody?: components["schemas"]["CommonDefsV1.encryptedBody"];
        } & (unknown & unknown & unknown)) & ({
            body: unknown;
        } | {
            encryptedBody: unknown;
        });
        /**
         * VictimRepatriationNotice
         * @description A child victim identified abroad is to be returned. Personal data: only for the parties of the case. The case reference is the envelope's caseRef.
         */
        VictimRepatriationNotice: {
            /** @description Who the child is. */
            child: components["schemas"]["VictimRepatriationNotice.child"];
            /** @description Date the child was identified as a victim. */
            identifiedOn?: components["schemas"]["CommonDefsV1.date"];
            /** @description Agency that identified the child. */
            identifiedBy?: components["schemas"]["CommonDefsV1.agency"];
            /** @description Identity documents known for the child and their status; empty when none is known. */
            identityDocuments: components["schemas"]["VictimRepatriationNotice.identityDocument"][];
            /** @description Forms of exploitation suffered. */
            exploitation: components["schemas"]["VictimRepatriationNotice.exploitation"];
            /** @description Where the child stays now. */
            currentPlacement: components["schemas"]["VictimRepatriationNotice.placement"];
            /** @description Planned handover: date, crossing point, escort, receiving agency. */
            handover: components["schemas"]["CommonDefsV1.handover"];
            /** @description Care needs to be met on return; empty when none was assessed. */
            careNeeds: components["schemas"]["VictimRepatriationNotice.careNeed"][];
            /** @description The child's own views (child-sensitive procedure, A/HRC/40/51/Add.1 para 70 h). */
            childViews: components["schemas"]["VictimRepatriationNotice.childViews"];
            /** @description Whether a best-interests assessment was done, when and by whom. */
            bestInterestsAssessment: components["schemas"]["VictimRepatriationNotice.bestInterestsAssessment"];
        };
        /**
         * RepatriationStatusUpdate
         * @description A step in a repatriation case, answering the case's notice (envelope inReplyTo and caseRef).
         */
        RepatriationStatusUpdate: {
            /**
             * @description The step reached.
             * @enum {string}
             */
            status: "acknowledged" | "identity-verified" | "family-assessed" | "handover-scheduled" | "handover-completed" | "placed-in-care" | "reintegration-follow-up" | "case-closed";
            /** @description When the step took effect (UTC). */
            effectiveAt: components["schemas"]["CommonDefsV1.timestamp"];
            /** @description The handover as scheduled; required when status is handover-scheduled. */
            handover?: components["schemas"]["CommonDefsV1.handover"];
            /** @description Remarks for the other party. */
            note?: components["schemas"]["CommonDefsV1.note"];
        } & unknown;
        /**
         * OffenderTravelAlert
         * @description A travelling sex offender is on the way. Sent to every counterpart and the INTERPOL desk; timeliness is its whole value.
         */
        OffenderTravelAlert: {
            /** @description Who travels. */
            subject: components["schemas"]["OffenderTravelAlert.subject"];
            /** @description Relevant convictions; empty when the alert rests on the source alone. */
            convictions: components["schemas"]["OffenderTravelAlert.conviction"][];
            /** @description The journey. */
            travel: components["schemas"]["OffenderTravelAlert.travel"];
            /** @description What the alert rests on. */
            source: components["schemas"]["OffenderTravelAlert.source"];
            /**
             * @description What the sender asks recipients to do.
             * @enum {string}
             */
            requestedAction: "consider-entry-refusal" | "monitor" | "report-arrival-and-departure" | "information-only";
            /** @description After this instant the alert is void (UTC). */
            validUntil: components["schemas"]["CommonDefsV1.timestamp"];
            /** @description Remarks. */
            note?: components["schemas"]["CommonDefsV1.note"];
        };
        /**
         * OffenderAlertResponse
         * @description The action taken on an offender travel alert (envelope inReplyTo names the alert).
         */
        OffenderAlertResponse: {
            /**
             * @description What was done.
             * @enum {string}
             */
            action: "entry-refused" | "monitored" | "not-arrived" | "departed" | "no-action";
            /** @description When the action was taken (UTC). */
            at: components["schemas"]["CommonDefsV1.timestamp"];
            /** @description Unit that took the action. */
            unit: components["schemas"]["CommonDefsV1.agency"];
            /** @description Remarks. */
            note?: components["schemas"]["CommonDefsV1.note"];
        };
        /** @description A new notice. The body is validated against the JSON Schema of `type`; the gateway adds `id`,
         *     `from`, `issuedAt`, `sender` and the signature.
         *      */
        SubmitNoticeRequest: components["schemas"]["SubmitVictimRepatriationNotice"] | components["schemas"]["SubmitRepatriationStatusUpdate"] | components["schemas"]["SubmitOffenderTravelAlert"] | components["schemas"]["SubmitOffenderAlertResponse"];
        SubmitVictimRepatriationNotice: {
            /** @constant */
            type: "victim-repatriation-notice";
            to: components["schemas"]["Recipients"];
            caseRef?: components["schemas"]["CaseRef"];
            inReplyTo?: components["schemas"]["MessageId"];
            expiresAt?: components["schemas"]["ExpiresAt"];
            body: components["schemas"]["VictimRepatriationNotice"];
        };
        SubmitRepatriationStatusUpdate: {
            /** @constant */
            type: "repatriation-status-update";
            to: components["schemas"]["Recipients"];
            caseRef?: components["schemas"]["CaseRef"];
            inReplyTo?: components["schemas"]["MessageId"];
            expiresAt?: components["schemas"]["ExpiresAt"];
            body: components["schemas"]["RepatriationStatusUpdate"];
        };
        SubmitOffenderTravelAlert: {
            /** @constant */
            type: "offender-travel-alert";
            to: components["schemas"]["Recipients"];
            caseRef?: components["schemas"]["CaseRef"];
            inReplyTo?: components["schemas"]["MessageId"];
            expiresAt?: components["schemas"]["ExpiresAt"];
            body: components["schemas"]["OffenderTravelAlert"];
        };
        SubmitOffenderAlertResponse: {
            /** @constant */
            type: "offender-alert-response";
            to: components["schemas"]["Recipients"];
            caseRef?: components["schemas"]["CaseRef"];
            inReplyTo?: components["schemas"]["MessageId"];
            expiresAt?: components["schemas"]["ExpiresAt"];
            body: components["schemas"]["OffenderAlertResponse"];
        };
        /** @description An answer to a received message. The gateway sets `to` (the original's sender), `caseRef` and
         *     `inReplyTo` itself.
         *      */
        RespondRequest: components["schemas"]["RespondWithStatusUpdate"] | components["schemas"]["RespondWithAlertResponse"];
        RespondWithStatusUpdate: {
            /** @constant */
            type: "repatriation-status-update";
            expiresAt?: components["schemas"]["ExpiresAt"];
            body: components["schemas"]["RepatriationStatusUpdate"];
        };
        RespondWithAlertResponse: {
            /** @constant */
            type: "offender-alert-response";
            expiresAt?: components["schemas"]["ExpiresAt"];
            body: components["schemas"]["OffenderAlertResponse"];
        };
        SubmitAccepted: {
            id: components["schemas"]["MessageId"];
            /**
             * @description Durably queued in the outbox; `GET /v1/messages/{id}` shows when it is published and delivered.
             * @constant
             */
            status: "queued";
            digest: components["schemas"]["Digest"];
            caseRef?: components["schemas"]["CaseRef"];
        };
        /** @description A message without its body, with its lifecycle per recipient. */
        MessageLifecycle: {
            id: components["schemas"]["MessageId"];
            type: components["schemas"]["BusinessMessageType"];
            /**
             * @description Whether this endpoint sent or received the message.
             * @enum {string}
             */
            direction: "sent" | "received";
            from: components["schemas"]["Endpoint"];
            to: components["schemas"]["Recipients"];
            caseRef?: components["schemas"]["CaseRef"];
            inReplyTo?: components["schemas"]["MessageId"];
            issuedAt: components["schemas"]["Timestamp"];
            expiresAt?: components["schemas"]["Timestamp"];
            digest: components["schemas"]["Digest"];
            status: components["schemas"]["MessageStatus"];
            possibleDuplicates?: components["schemas"]["PossibleDuplicates"];
            /** @description One entry per endpoint in `to` for a sent message; for a received message, the one entry for
             *     this endpoint.
             *      */
            recipients: components["schemas"]["RecipientLifecycle"][];
        };
        RecipientLifecycle: {
            endpoint: components["schemas"]["Endpoint"];
            /** @description The broker acknowledged the record on the recipient's inbox topic. */
            published: boolean;
            publishedAt?: components["schemas"]["Timestamp"];
            /** @description A verified delivery receipt from the recipient says it stored the message. */
            delivered: boolean;
            deliveredAt?: components["schemas"]["Timestamp"];
            receiptDigest?: components["schemas"]["Digest"];
            /** @description A verified receipt from the recipient says it rejected the message (see `reasonCode`). */
            rejected?: boolean;
            reasonCode?: components["schemas"]["ErrorCode"];
            /** @description An officer at the recipient opened the message. */
            read: boolean;
            readAt?: components["schemas"]["Timestamp"];
            /** @description The recipient answered (`responseIds` lists the answers). */
            responded: boolean;
            responseIds: components["schemas"]["MessageId"][];
            /** @description No receipt arrived within the configured receipt deadline. */
            overdue: boolean;
            alert?: components["schemas"]["AlertTimeliness"];
        };
        /** @description The travel an offender alert warns of, as instants: `arrivalAt` is the start (00:00 UTC) of
         *     the arrival date, `departureAt` the end (00:00 UTC of the next day) of the expected departure
         *     date. Kept as metadata beside the encrypted body.
         *      */
        AlertTravel: {
            arrivalAt: components["schemas"]["Timestamp"];
            departureAt?: components["schemas"]["Timestamp"];
            /** @description The alert was still unanswered (no `offender-alert-response` from this recipient, or
             *     from this endpoint for a received alert) `MX_ALERT_ESCALATE_HOURS` before arrival, and
             *     was escalated (audit event `escalated`, recorded once).
             *      */
            escalated: boolean;
            escalatedAt?: components["schemas"]["Timestamp"];
        };
        /** @description Only for an `offender-travel-alert`: how timely it reached this recipient. `timeliness` is
         *     `timely` (delivered at least `MX_ALERT_LEAD_HOURS` before arrival), `short-notice` (before
         *     arrival, with less lead), `after-arrival` (from arrival until departure, or for good without
         *     a departure date), `after-departure`; `pending` while no delivery receipt arrived, with
         *     `predicted` the class a delivery now would get.
         *      */
        AlertTimeliness: components["schemas"]["AlertTravel"] & {
            /** @enum {string} */
            timeliness: "timely" | "short-notice" | "after-arrival" | "after-departure" | "pending";
            /** @enum {string} */
            predicted?: "timely" | "short-notice" | "after-arrival" | "after-departure";
            /** @description An `offender-alert-response` from the recipient was recorded before arrival. */
            respondedBeforeArrival: boolean;
        };
        /**
         * @description The furthest stage reached: for a sent message, by every recipient (`queued`, `published`,
         *     `delivered`, `read`, `responded`; `rejected` if any recipient rejected it); for a received
         *     message, this endpoint's handling (`unread`, `read`, `responded`).
         *
         * @enum {string}
         */
        MessageStatus: "queued" | "published" | "delivered" | "read" | "responded" | "rejected" | "unread";
        /**
         * @description Exactly one state per item, decided in this order: `responded` if this endpoint sent any answer
         *     (whether or not the item was opened first; `readAt` is then absent if it never was), else `read`
         *     if an officer opened it, else `unread`. The `status` filter of `GET /v1/inbox` uses the same definition.
         *
         * @enum {string}
         */
        InboxStatus: "unread" | "read" | "responded";
        /** @description The `data` of one event of `GET /v1/inbox/events`: metadata of a change, never a body.
         *     `kind` is open: clients ignore kinds they do not know.
         *      */
        InboxEvent: {
            /** @description The SSE id (also on the `id:` line), monotonic per gateway. */
            id: string;
            /**
             * @description `arrival`, `lifecycle`, `escalation`, `possible-duplicate`, or a kind added later.
             * @example arrival
             * @example lifecycle
             * @example escalation
             * @example possible-duplicate
             */
            kind: string;
            messageId: components["schemas"]["MessageId"];
            type: components["schemas"]["BusinessMessageType"];
            counterpart: components["schemas"]["Endpoint"];
            caseRef?: components["schemas"]["CaseRef"];
            /** @description `unread` for an arrival; `delivered`, `rejected`, `read` or `responded` for a lifecycle change; `escalated` for an escalation; `linked` for a possible duplicate (`counterpart` is the sender of the alert it was linked to). */
            status: string;
            at: components["schemas"]["Timestamp"];
        };
        /** @description Only for a received `offender-travel-alert` (always present there, maybe empty): the other
         *     received alerts, from other senders, about the same travel document (issuing country and
         *     number, compared after normalisation under a keyed hash) with overlapping travel dates.
         *     Linked when the later one arrived, both ways; never merged. Oldest first, at most 100;
         *     only alerts the caller may see.
         *      */
        PossibleDuplicates: components["schemas"]["PossibleDuplicate"][];
        /** @description A received alert linked to this one as a possible duplicate. */
        PossibleDuplicate: {
            messageId: components["schemas"]["MessageId"];
            from: components["schemas"]["Endpoint"];
            receivedAt: components["schemas"]["Timestamp"];
            linkedAt: components["schemas"]["Timestamp"];
        };
        /** @description A received message without its body. */
        InboxSummary: components["schemas"]["InboxFields"];
        /** @description What the inbox knows about a received message, besides its document. */
        InboxFields: {
            id: components["schemas"]["MessageId"];
            type: components["schemas"]["BusinessMessageType"];
            from: components["schemas"]["Endpoint"];
            to: components["schemas"]["Recipients"];
            caseRef?: components["schemas"]["CaseRef"];
            inReplyTo?: components["schemas"]["MessageId"];
            issuedAt: components["schemas"]["Timestamp"];
            expiresAt?: components["schemas"]["Timestamp"];
            receivedAt: components["schemas"]["Timestamp"];
            /** @description Only for an `offender-travel-alert`, its travel and escalation. */
            alert?: components["schemas"]["AlertTravel"];
            possibleDuplicates?: components["schemas"]["PossibleDuplicates"];
            digest: components["schemas"]["Digest"];
            status: components["schemas"]["InboxStatus"];
            readAt?: components["schemas"]["Timestamp"];
            /** @description The answers this endpoint sent (`POST /v1/inbox/{id}/responses`). */
            responseIds: components["schemas"]["MessageId"][];
        };
        InboxPage: {
            items: components["schemas"]["InboxSummary"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        /** @description A received message with its verified notice document. An encrypted body is decrypted on read with this gateway's own key, so `document` carries `body` in clear in place of `encryptedBody` (the store keeps only the signed ciphertext). */
        InboxItem: components["schemas"]["InboxFields"] & {
            document: components["schemas"]["NoticeDocument"];
        };
        Case: {
            caseRef: components["schemas"]["CaseRef"];
            /** @description The case's parties, fixed by its first notice (`from` plus `to`). */
            parties: components["schemas"]["Endpoint"][];
            /** @description One page of the case's messages known to this endpoint, in order of `issuedAt` (then `id`). */
            messages: components["schemas"]["MessageLifecycle"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        /** @description A quarantined record (metadata only; the record stays on its topic for an operator). */
        DeadLetter: {
            /** @description The dead-letter entry's id. */
            id: string;
            /** @description The topic the record was read from. */
            topic: string;
            partition: number;
            /** @description The record's offset (a decimal string, as Kafka offsets are 64-bit). */
            offset: string;
            digest: components["schemas"]["Digest"];
            reasonCode: components["schemas"]["ErrorCode"];
            /** @description When the record was quarantined. */
            at: components["schemas"]["Timestamp"];
            from?: components["schemas"]["Endpoint"];
            /** @description Set when the record was parked: refused only because this gateway lacked a key
             *     (`UNKNOWN_KEY`, or `DECRYPT_FAILED` for a key of this endpoint it did not hold), its bytes
             *     kept and re-examined after every trust reload. `reasonCode` then says how it failed last.
             *      */
            parkedAs?: components["schemas"]["ErrorCode"];
            /** @description True while its bytes are kept for re-examination. */
            parked?: boolean;
            /** @description When a re-examination admitted it (it is then in the inbox; the entry stays as history). */
            readmittedAt?: components["schemas"]["Timestamp"];
        };
        DeadLetterPage: {
            items: components["schemas"]["DeadLetter"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        /** @description A count of 5 or more, or `<5` for any count under 5 (zero included). */
        SuppressedCount: number | "<5";
        /** @description Hours to one decimal, or `suppressed` when computed from fewer than 5 durations. */
        SuppressedFigure: number | "suppressed";
        /** @description A calendar month (UTC), `YYYY-MM`. */
        StatisticsMonth: string;
        /**
         * @description Whether this endpoint sent or received the messages counted.
         * @enum {string}
         */
        StatisticsDirection: "sent" | "received";
        /** @description Aggregate figures of months `from`..`to`; every table lists each combination of its classes
         *     for each month. `victimNotices` and `repatriationSteps` are absent at the INTERPOL gateway.
         *      */
        Statistics: {
            endpoint: components["schemas"]["Endpoint"];
            from: components["schemas"]["StatisticsMonth"];
            to: components["schemas"]["StatisticsMonth"];
            generatedAt: components["schemas"]["Timestamp"];
            /** @description The suppression rule applied. */
            suppression: {
                /**
                 * @description Counts below this are not shown, nor figures derived from fewer cases.
                 * @constant
                 */
                threshold: 5;
                /**
                 * @description What a suppressed count shows.
                 * @constant
                 */
                count: "<5";
                /**
                 * @description What a suppressed median or percentile shows.
                 * @constant
                 */
                figure: "suppressed";
            };
            /** @description Victim notices issued in each month, per direction x age band (on the notice date) x sex x
             *     form of exploitation x handover crossing. A notice with several forms counts under each.
             *      */
            victimNotices?: {
                month: components["schemas"]["StatisticsMonth"];
                direction: components["schemas"]["StatisticsDirection"];
                /** @enum {string} */
                ageBand: "0-5" | "6-11" | "12-14" | "15-17" | "unknown";
                /** @enum {string} */
                sex: "female" | "male" | "unknown";
                /** @enum {string} */
                exploitation: "sexual" | "labour" | "forced-marriage" | "domestic-servitude" | "other";
                /** @enum {string} */
                crossing: "nong-khai-vientiane" | "chong-mek-vang-tao" | "mukdahan-savannakhet" | "chiang-khong-huay-xai" | "boten-mohan" | "other" | "unknown";
                count: components["schemas"]["SuppressedCount"];
            }[];
            /** @description Per month of the notice and direction, for each status step: how many notices have reached
             *     it, and the median and 90th percentile (nearest rank) of the time from the notice's
             *     `issuedAt` to the earliest `effectiveAt` of a status update reporting that step.
             *      */
            repatriationSteps?: {
                month: components["schemas"]["StatisticsMonth"];
                direction: components["schemas"]["StatisticsDirection"];
                /** @enum {string} */
                step: "acknowledged" | "identity-verified" | "family-assessed" | "handover-scheduled" | "handover-completed" | "placed-in-care" | "reintegration-follow-up" | "case-closed";
                count: components["schemas"]["SuppressedCount"];
                medianHours: components["schemas"]["SuppressedFigure"];
                p90Hours: components["schemas"]["SuppressedFigure"];
            }[];
            /** @description Offender alerts issued in each month per direction x counterpart (the sender of one
             *     received, the recipient of one sent) x timeliness class (`pending`: sent, no receipt yet;
             *     rejected deliveries are not counted).
             *      */
            alertTimeliness: {
                month: components["schemas"]["StatisticsMonth"];
                direction: components["schemas"]["StatisticsDirection"];
                counterpart: components["schemas"]["Endpoint"];
                /** @enum {string} */
                timeliness: "timely" | "short-notice" | "after-arrival" | "after-departure" | "pending";
                count: components["schemas"]["SuppressedCount"];
            }[];
            /** @description Per month and direction, for victim notices and offender alerts that were answered: how
             *     many, and the median and 90th percentile (nearest rank) of the time from receipt to the
             *     first response.
             *      */
            responseTimes: {
                month: components["schemas"]["StatisticsMonth"];
                direction: components["schemas"]["StatisticsDirection"];
                /** @enum {string} */
                type: "victim-repatriation-notice" | "offender-travel-alert";
                count: components["schemas"]["SuppressedCount"];
                medianHours: components["schemas"]["SuppressedFigure"];
                p90Hours: components["schemas"]["SuppressedFigure"];
            }[];
        };
        /** @description The trust registry, routing policy and private keys in use. */
        TrustStatus: {
            /** @description Digest of the files in use (names and bytes). */
            version: string;
            /** @description When the version in use was loaded. */
            loadedAt: components["schemas"]["Timestamp"];
            /** @description When the files were last compared. */
            checkedAt: components["schemas"]["Timestamp"];
            /** @description Why the newest files were refused (the last good version stays in use). */
            problem?: string;
            /** @description Version of the refused files (`?` when they could not be read). */
            refusedVersion?: string;
            /** @description Endpoints with at least one signing key in the registry in use. */
            endpoints: components["schemas"]["Endpoint"][];
        };
        Health: {
            /** @constant */
            status: "ok";
        };
        GatewayStatus: {
            endpoint: components["schemas"]["Endpoint"];
            trust: components["schemas"]["TrustStatus"];
            auditTrail: components["schemas"]["AuditTrailStatus"];
        };
        AuditTrailStatus: {
            /** @description Audit events recorded but not signed yet. */
            unsigned: number;
            /** @description Signed audit events the broker has not acknowledged yet. */
            unpublished: number;
            /**
             * Format: date-time
             * @description When the oldest of them was recorded; absent when none is pending.
             */
            oldestPendingAt?: string;
            /** @description The oldest pending event is older than `MX_AUDIT_STALL_AFTER_SECONDS`. */
            stalled: boolean;
        };
        Ready: {
            /** @constant */
            status: "ready";
        };
        /** @description The recipient endpoints. */
        Recipients: components["schemas"]["Endpoint"][];
        /** @description When the notice expires; the gateway applies its default and bounds it. */
        ExpiresAt: components["schemas"]["Timestamp"];
        /** @description Opaque: pass back a `nextCursor` unchanged. Anything else (or a cursor of another list) is
         *     answered 400 `INVALID_PARAMETER`.
         *      */
        Cursor: string;
        /** @description Pass as `cursor` for the next page; `null` on the last page. */
        NextCursor: components["schemas"]["Cursor"] | null;
        Endpoint: components["schemas"]["CommonDefsV1.endpoint"];
        MessageId: components["schemas"]["CommonDefsV1.messageId"];
        CaseRef: components["schemas"]["CommonDefsV1.caseRef"];
        Digest: components["schemas"]["CommonDefsV1.digest"];
        Timestamp: components["schemas"]["CommonDefsV1.timestamp"];
        /**
         * @description The message types officers send and answer (not receipts or audit events).
         * @enum {string}
         */
        BusinessMessageType: "victim-repatriation-notice" | "repatriation-status-update" | "offender-travel-alert" | "offender-alert-response";
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
        /**
         * ClearBody
         * @description A body in clear: any JSON object here; its shape is checked against bodySchemaId(type), not by the envelope.
         */
        "NoticeDocument.clearBody": Record<string, unknown>;
        /**
         * ChildIdentity
         * @description Identity of the child: names, sex, age, nationality, ethnicity, languages.
         */
        "VictimRepatriationNotice.child": {
            /** @description The child's names with language and script tags (Lao, Thai, Chinese, Latin transliteration). */
            names: components["schemas"]["CommonDefsV1.names"];
            /**
             * @description Sex of the child.
             * @enum {string}
             */
            sex: "female" | "male" | "unknown";
            /** @description Date of birth when established; exactly one of dateOfBirth and estimatedAge. */
            dateOfBirth?: components["schemas"]["CommonDefsV1.date"];
            /** @description Estimated age when the date of birth is not established; exactly one of dateOfBirth and estimatedAge. */
            estimatedAge?: components["schemas"]["VictimRepatriationNotice.estimatedAge"];
            /** @description Nationality the child claims (or stateless, unknown). */
            claimedNationality: components["schemas"]["CommonDefsV1.nationality"];
            /** @description Ethnic group as the child states it. */
            ethnicGroup?: string;
            /** @description Languages the child speaks, most fluent first. */
            languages: components["schemas"]["CommonDefsV1.langTag"][];
            /** @description Whether an interpreter is needed to speak with the child. */
            interpreterNeeded: boolean;
        } & ({
            dateOfBirth: unknown;
        } | {
            estimatedAge: unknown;
        });
        /**
         * EstimatedAge
         * @description An age estimate and its basis.
         */
        "VictimRepatriationNotice.estimatedAge": {
            /** @description Estimated age in whole years on assessedOn (the lower bound when in doubt: presumption of minority). */
            years: number;
            /**
             * @description Basis of the estimate.
             * @enum {string}
             */
            basis: "dental" | "skeletal" | "documentary" | "interview" | "other";
            /** @description Date of the assessment. */
            assessedOn: components["schemas"]["CommonDefsV1.date"];
        };
        /**
         * IdentityDocument
         * @description An identity document and what is known of it.
         */
        "VictimRepatriationNotice.identityDocument": {
            /**
             * @description Kind of document (household-registration: the family book).
             * @enum {string}
             */
            kind: "passport" | "national-id" | "birth-certificate" | "household-registration" | "travel-document" | "other";
            /**
             * @description Status; withheld: held by a third party; none: never issued (e.g. birth never registered).
             * @enum {string}
             */
            status: "valid" | "expired" | "altered" | "forged" | "lost" | "withheld" | "unverified" | "none";
            /** @description Document number. */
            number?: string;
            /** @description Issuing country. */
            issuingCountry?: components["schemas"]["CommonDefsV1.countryCode"];
        };
        /**
         * Exploitation
         * @description Forms of exploitation.
         */
        "VictimRepatriationNotice.exploitation": {
            /** @description Forms of exploitation (one or more). */
            forms: ("sexual" | "labour" | "forced-marriage" | "domestic-servitude" | "other")[];
            /** @description What other means; required when forms contains other. */
            otherDescription?: components["schemas"]["CommonDefsV1.note"];
        } & unknown;
        /**
         * Placement
         * @description Where the child stays.
         */
        "VictimRepatriationNotice.placement": {
            /**
             * @description Kind of placement.
             * @enum {string}
             */
            kind: "government-shelter" | "ngo-shelter" | "foster-care" | "hospital" | "with-relatives" | "immigration-detention" | "other";
            /** @description Name of the facility. */
            facility?: components["schemas"]["CommonDefsV1.placeName"];
            /** @description Province or city. */
            location?: components["schemas"]["CommonDefsV1.placeName"];
            /** @description Date the placement began. */
            since?: components["schemas"]["CommonDefsV1.date"];
        };
        /**
         * CareNeed
         * @description A care need to be met on return.
         */
        "VictimRepatriationNotice.careNeed": {
            /**
             * @description Area of care.
             * @enum {string}
             */
            area: "medical" | "psychosocial" | "legal" | "education";
            /** @description Whether the need must be met at handover. */
            urgent?: boolean;
            /** @description What is needed. */
            note?: components["schemas"]["CommonDefsV1.note"];
        };
        /**
         * ChildViews
         * @description The child's own views, as the child expressed them.
         */
        "VictimRepatriationNotice.childViews": {
            /** @description Whether the child was informed and consulted. */
            consulted: boolean;
            /** @description Date of the consultation; required when consulted. */
            consultedOn?: components["schemas"]["CommonDefsV1.date"];
            /** @description Language the consultation was held in. */
            language?: components["schemas"]["CommonDefsV1.langTag"];
            /**
             * @description Whether the child wishes to return.
             * @enum {string}
             */
            wishesToReturn: "yes" | "no" | "undecided" | "not-expressed";
            /** @description The child's views in brief. */
            summary?: string;
        } & unknown;
        /**
         * BestInterestsAssessment
         * @description Best-interests assessment.
         */
        "VictimRepatriationNotice.bestInterestsAssessment": {
            /** @description Whether the assessment was done. */
            done: boolean;
            /** @description Date of the assessment; required when done. */
            date?: components["schemas"]["CommonDefsV1.date"];
            /** @description Agency that did it; required when done. */
            by?: components["schemas"]["CommonDefsV1.agency"];
        } & unknown;
        /**
         * OffenderSubject
         * @description Identity of the travelling subject.
         */
        "OffenderTravelAlert.subject": {
            /** @description Names with language and script tags. */
            names: components["schemas"]["CommonDefsV1.names"];
            /**
             * @description Sex.
             * @enum {string}
             */
            sex?: "female" | "male" | "unknown";
            /** @description Date of birth. */
            dateOfBirth: components["schemas"]["CommonDefsV1.date"];
            /** @description Nationalities (ISO 3166-1 alpha-2). */
            nationalities: components["schemas"]["CommonDefsV1.countryCode"][];
            /** @description Passports known to be held. */
            passports: components["schemas"]["OffenderTravelAlert.passport"][];
        };
        /**
         * Passport
         * @description A passport.
         */
        "OffenderTravelAlert.passport": {
            /** @description Passport number as written: 5 to 20 letters and digits, in either case, with at most one space, hyphen, dot or slash between two of them. Receivers compare numbers normalised (upper case, separators removed; README, Possible duplicates), so every spelling of one number is the same document. */
            number: string;
            /** @description Issuing country. */
            issuingCountry: components["schemas"]["CommonDefsV1.countryCode"];
            /** @description Expiry date. */
            expiresOn?: components["schemas"]["CommonDefsV1.date"];
        };
        /**
         * Conviction
         * @description A relevant conviction.
         */
        "OffenderTravelAlert.conviction": {
            /** @description Offence as convicted. */
            offence: string;
            /** @description Country of the conviction. */
            country: components["schemas"]["CommonDefsV1.countryCode"];
            /** @description Date of the conviction. */
            date?: components["schemas"]["CommonDefsV1.date"];
        };
        /**
         * Travel
         * @description The journey.
         */
        "OffenderTravelAlert.travel": {
            /** @description Where the subject departs from. */
            departureFrom: components["schemas"]["OffenderTravelAlert.place"];
            /** @description Where the subject travels to. */
            destination: components["schemas"]["OffenderTravelAlert.place"];
            /** @description Expected arrival date; drives the acknowledgement deadline. */
            arrivalDate: components["schemas"]["CommonDefsV1.date"];
            /** @description Expected departure date from the destination. */
            expectedDepartureDate?: components["schemas"]["CommonDefsV1.date"];
            /** @description Carrier (airline, bus company). */
            carrier?: string;
            /** @description Flight number (IATA designator and number). */
            flightNumber?: string;
            /** @description Expected port of entry. */
            portOfEntry?: components["schemas"]["OffenderTravelAlert.port"];
        };
        /**
         * Place
         * @description A country and, optionally, a city.
         */
        "OffenderTravelAlert.place": {
            /** @description Country. */
            country: components["schemas"]["CommonDefsV1.countryCode"];
            /** @description City. */
            city?: components["schemas"]["CommonDefsV1.placeName"];
        };
        /**
         * PortOfEntry
         * @description A port of entry.
         */
        "OffenderTravelAlert.port": {
            /**
             * @description Kind of port.
             * @enum {string}
             */
            kind: "airport" | "land-border" | "river-port";
            /** @description Name of the port. */
            name: components["schemas"]["CommonDefsV1.placeName"];
            /** @description IATA airport code. */
            iata?: string;
            /** @description The land crossing, when kind is land-border. */
            crossingPoint?: components["schemas"]["CommonDefsV1.crossingPoint"];
        };
        /**
         * AlertSource
         * @description What the alert rests on.
         */
        "OffenderTravelAlert.source": {
            /**
             * @description Kind of source.
             * @enum {string}
             */
            kind: "interpol-green-notice" | "national-notification" | "registry";
            /** @description Reference in the source (Green Notice number, notification or registry id). */
            reference: string;
            /** @description Issuing agency. */
            issuedBy?: components["schemas"]["CommonDefsV1.agency"];
        };
    };
    responses: {
        /** @description Validated, signed and durably queued in the outbox; not yet published. */
        Accepted: {
            headers: {
                /** @description `/v1/messages/{id}`, where the lifecycle can be followed. */
                Location?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["SubmitAccepted"];
            };
        };
        /** @description The body is not valid JSON (`BAD_JSON`), or a path or query parameter is malformed, a cursor
         *     included (`INVALID_PARAMETER`; `errors` lists each one by `/<name>`, never echoing its value).
         *      */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The bearer token is missing, malformed, expired or not signed by the identity provider. */
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
        /** @description The token is for another endpoint, the role may not call this route, or the routing policy forbids it (`ROUTE_FORBIDDEN`). */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such resource at this endpoint, or the caller may not know it exists. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request conflicts with stored state: the message answered already has its maximum of 100
         *     responses (`TOO_MANY_RESPONSES`).
         *      */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request body exceeds the size limit (`PAYLOAD_TOO_LARGE`). A declared `Content-Length` over the
         *     limit is refused before any of the body is read, and the connection is closed.
         *      */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The `Accept` header admits none of the representations the operation serves (`NOT_ACCEPTABLE`). */
        NotAcceptable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request body is not `application/json`. */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Well-formed JSON that violates the request schema or the JSON Schema of its `type`: a missing,
         *     unknown or out-of-bounds field, a `__proto__` key (`VALIDATION_FAILED`; `errors` lists each
         *     violation by JSON Pointer, without echoing values), or a recipient in `to` that the trust
         *     registry does not know (`UNKNOWN_ENDPOINT`, the path `/to/<index>`).
         *      */
        UnprocessableContent: {
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
        /** @description The officer (`MX_RATE_LIMIT_PER_OFFICER`) or the endpoint as a whole (`MX_RATE_LIMIT_PER_ENDPOINT`)
         *     is over its request limit (`RATE_LIMITED`, retriable). Refusals are counted, not audited one by one.
         *      */
        TooManyRequests: {
            headers: {
                /** @description Whole seconds until a request is accepted again. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description An unexpected error. `instance` is the id in the server's log line; no stack or payload is returned. */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The store is not open or Kafka is not reachable (readiness), or the gateway is shutting down. */
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
        /** @description Makes a retry safe (IETF httpapi draft "The Idempotency-Key HTTP Header Field"): the same
         *     officer sending the same key with the same request again within the retention period
         *     (`MX_IDEMPOTENCY_RETENTION_HOURS`, default 24) gets the first `202` again and no second
         *     message is sent; the same key with a different request is `422 IDEMPOTENCY_KEY_REUSED`;
         *     a retry while the first is still being processed is `409 IDEMPOTENCY_KEY_IN_USE`. Only
         *     accepted requests are remembered. An sf-string (`"..."`) or the bare key.
         *      */
        IdempotencyKey: string;
        /** @description The message id (UUIDv7). */
        MessageId: components["schemas"]["MessageId"];
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
    submitNotice: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe (IETF httpapi draft "The Idempotency-Key HTTP Header Field"): the same
                 *     officer sending the same key with the same request again within the retention period
                 *     (`MX_IDEMPOTENCY_RETENTION_HOURS`, default 24) gets the first `202` again and no second
                 *     message is sent; the same key with a different request is `422 IDEMPOTENCY_KEY_REUSED`;
                 *     a retry while the first is still being processed is `409 IDEMPOTENCY_KEY_IN_USE`. Only
                 *     accepted requests are remembered. An sf-string (`"..."`) or the bare key.
                 *      */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SubmitNoticeRequest"];
            };
        };
        responses: {
            202: components["responses"]["Accepted"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The message id (UUIDv7). */
                id: components["parameters"]["MessageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message's lifecycle. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MessageLifecycle"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    listInbox: {
        parameters: {
            query?: {
                /** @description Only messages of this type. */
                type?: components["schemas"]["BusinessMessageType"];
                /** @description Only messages in this state. */
                status?: components["schemas"]["InboxStatus"];
                /** @description Only messages received at or after this instant. */
                since?: components["schemas"]["Timestamp"];
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
            /** @description One page of inbox summaries. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboxPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    streamInboxEvents: {
        parameters: {
            query?: {
                /** @description The same as the `Last-Event-ID` header, for clients that cannot set it; the header wins. */
                lastEventId?: string;
            };
            header?: {
                /** @description The id of the last event the client received; the stream resumes after it. */
                "Last-Event-ID"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The open stream. Each event's `data` line is an `InboxEvent`, for example:
             *
             *         id: 42
             *         event: arrival
             *         data: {"id":"42","kind":"arrival","messageId":"0190...","type":"offender-travel-alert","counterpart":"TH","caseRef":"TH-2026-000123","status":"unread","at":"2026-12-01T05:00:00.000Z"}
             *      */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getInboxItem: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The message id (UUIDv7). */
                id: components["parameters"]["MessageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The inbox item with its document. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboxItem"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    respondToInboxItem: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe (IETF httpapi draft "The Idempotency-Key HTTP Header Field"): the same
                 *     officer sending the same key with the same request again within the retention period
                 *     (`MX_IDEMPOTENCY_RETENTION_HOURS`, default 24) gets the first `202` again and no second
                 *     message is sent; the same key with a different request is `422 IDEMPOTENCY_KEY_REUSED`;
                 *     a retry while the first is still being processed is `409 IDEMPOTENCY_KEY_IN_USE`. Only
                 *     accepted requests are remembered. An sf-string (`"..."`) or the bare key.
                 *      */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                /** @description The message id (UUIDv7). */
                id: components["parameters"]["MessageId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RespondRequest"];
            };
        };
        responses: {
            202: components["responses"]["Accepted"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getCase: {
        parameters: {
            query?: {
                /** @description The opaque `nextCursor` of the previous page; omit for the first page. */
                cursor?: components["parameters"]["Cursor"];
                /** @description The maximum number of items in the page. */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path: {
                /** @description The case reference. */
                caseRef: components["schemas"]["CaseRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The case. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Case"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    listDeadLetters: {
        parameters: {
            query?: {
                /** @description Only entries quarantined at or after this instant. */
                since?: components["schemas"]["Timestamp"];
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
            /** @description One page of dead-letter entries. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetterPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
    getStatistics: {
        parameters: {
            query?: {
                /** @description First month (`YYYY-MM`); default the month 11 months before `to`. */
                from?: string;
                /** @description Last month (`YYYY-MM`), not before `from` and at most 12 months from it; default the current month. */
                to?: string;
                /** @description `json` or `csv`; takes precedence over `Accept`. */
                format?: "json" | "csv";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The statistics of the months asked for. */
            200: {
                headers: {
                    /** @description `Accept`: the representation depends on it when `format` is not given. */
                    Vary?: string;
                    /** @description CSV only: `attachment; filename="statistics-<ENDPOINT>-<from>-<to>.csv"`. */
                    "Content-Disposition"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Statistics"];
                    "text/csv": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            406: components["responses"]["NotAcceptable"];
            429: components["responses"]["TooManyRequests"];
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
            /** @description Ready to accept notices. */
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
    getStatus: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The gateway's status. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayStatus"];
                };
            };
            405: components["responses"]["MethodNotAllowed"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
        };
    };
}
