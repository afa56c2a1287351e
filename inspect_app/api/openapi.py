"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Its schemas are JSON Schema 2020-12; tests/api/test_openapi.py validates every response the
tests receive against the schema the document gives for its path, method and status.
"""

from __future__ import annotations

import typing as t

from ..config import VERSION

STRING_OR_NULL = {"type": ["string", "null"]}
INT_OR_NULL = {"type": ["integer", "null"]}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, t.Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


ERRORS = {
    "400": _json("Error", "The request is malformed: a field, a header or the CSRF token is missing or wrong, "
                          "or the JSON body or the query string is out of bounds (nested too deep, a NUL character, "
                          "a lone surrogate, an integer beyond 64 bits)."),
    "401": _json("Error", "No valid session or token: log in again (the client keeps its queue)."),
    "403": _json("Error", "The role may not use this endpoint."),
    "404": _json("Error", "No such object, or outside the user's scope."),
    "409": _json("Error", "The object changed meanwhile, or is in a state that does not allow this."),
    "413": _json("Error", "The body is larger than the server accepts."),
    "422": _json("Error", "A value was refused: out of range for what the server stores, or of the wrong type."),
    "503": {**_json("Error", "The database is busy: retry after the seconds in `Retry-After`."),
            "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
}


def _errors(*codes: str) -> dict[str, t.Any]:
    """The error answers ``codes``, as ERRORS describes them."""
    return {code: ERRORS[code] for code in codes}


# What any authenticated read can answer, and what a write can answer besides.
READ_ERRORS = ("400", "401", "403", "404", "503")
WRITE_ERRORS = (*READ_ERRORS, "409", "413", "422")


def _conflict(name: str, description: str) -> dict[str, t.Any]:
    """409 with the server's object (``name``), or a plain error when the state forbids the write."""
    return {"description": description, "content": {"application/json": {"schema": {
        "anyOf": [_ref(name), _ref("Error")]}}}}


SCHEMAS: dict[str, t.Any] = {
    "Error": {
        "type": "object", "required": ["error", "code"],
        "properties": {
            "error": {"type": "string", "description": "What went wrong, in the user's language."},
            "code": {"type": "string", "description": "A stable name for the kind of error: bad_request, "
                     "unauthorized, forbidden, not_found, conflict, invalid, too_large, too_many_requests, busy, "
                     "server_error, csrf."},
            "retry_after": {"type": "integer", "description": "Seconds to wait (429)."},
            "details": {"type": "array", "items": {"type": "string"}},
        },
    },
    "User": {
        "type": "object", "required": ["id", "username", "display_name", "role"],
        "properties": {"id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"},
                       "role": {"enum": ["admin", "supervisor", "inspector", "school", "viewer"]}},
    },
    "Me": {"type": "object", "required": ["user", "via_token"],
           "properties": {"user": _ref("User"), "via_token": {"type": "boolean"}}},
    "Csrf": {"type": "object", "required": ["csrf_token"], "properties": {"csrf_token": {"type": "string"}}},
    "Login": {"type": "object", "required": ["username", "password"],
              "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                             "remember": {"type": "boolean"}}},
    "LoggedIn": {"type": "object", "required": ["user", "csrf_token"],
                 "properties": {"user": _ref("User"), "csrf_token": {"type": "string"}}},
    "VisitSummary": {
        "type": "object", "required": ["uuid", "id", "status", "school", "campaign", "checklist_version_id", "url"],
        "properties": {
            "uuid": UUID, "id": {"type": "integer"}, "status": _ref("VisitStatus"),
            "planned_on": {"type": ["string", "null"], "format": "date"},
            "school": {"type": "object", "required": ["id", "code", "name"],
                       "properties": {"id": {"type": "integer"}, "code": {"type": "string"},
                                      "name": {"type": "string"}}},
            "campaign": {"type": "object", "required": ["id", "code", "name"],
                         "properties": {"id": {"type": "integer"}, "code": {"type": "string"},
                                        "name": {"type": "string"}}},
            "checklist_version_id": {"type": "integer"}, "url": {"type": "string"},
        },
    },
    "VisitList": {"type": "object", "required": ["page", "pages", "visits"],
                  "properties": {"page": {"type": "integer"}, "pages": {"type": "integer"},
                                 "visits": {"type": "array", "items": _ref("VisitSummary")}}},
    "VisitStatus": {"enum": ["planned", "in_progress", "submitted", "approved", "returned"]},
    "VisitRecord": {
        "description": "The visit as the tablet opened it. PUT it once; the same body again is a replay.",
        "type": "object", "required": ["school_id", "checklist_version_id", "started_at"],
        "properties": {"school_id": {"type": "integer"}, "checklist_version_id": {"type": "integer"},
                       "started_at": TIME_OR_NULL},
    },
    "VisitConflict": {"type": "object", "required": ["error", "current"],
                      "properties": {"error": {"type": "string"}, "current": _ref("VisitRecord")}},
    "Answer": {
        "type": "object", "required": ["item_id", "entry", "value", "note", "rev", "updated_at"],
        "properties": {"item_id": {"type": "integer"}, "entry": {"type": ["string", "null"], "format": "uuid"},
                       "value": STRING_OR_NULL, "note": STRING_OR_NULL,
                       "rev": {"type": "integer", "minimum": 1, "description": "The answer's revision."},
                       "updated_at": TIME_OR_NULL},
    },
    "Entry": {"type": "object", "required": ["uuid", "item_id", "position", "removed"],
              "properties": {"uuid": UUID, "item_id": {"type": "integer"}, "position": {"type": "integer"},
                             "removed": {"type": "boolean"}}},
    "Media": {
        "type": "object",
        "required": ["uuid", "kind", "item_id", "entry", "signer", "signer_name", "width", "height", "sha256",
                     "source_sha256", "taken_at", "latitude", "longitude", "file_id", "status", "refused_reason"],
        "properties": {
            "uuid": UUID, "kind": {"enum": ["photo", "signature"]}, "item_id": INT_OR_NULL,
            "entry": {"type": ["string", "null"], "format": "uuid"},
            "signer": {"enum": ["inspector", "school", None]}, "signer_name": STRING_OR_NULL,
            "width": INT_OR_NULL, "height": INT_OR_NULL,
            "sha256": {"type": "string", "description": "SHA-256 of the stored file: the bytes as sent while "
                                                     "processing, the re-encoded photo once ready."},
            "source_sha256": {"type": ["string", "null"], "description": "SHA-256 of the bytes the client sent."},
            "taken_at": TIME_OR_NULL,
            "latitude": {"type": ["string", "null"], "description": "Kept only where the item asks for it."},
            "longitude": STRING_OR_NULL, "file_id": {"type": "integer"},
            "status": {"enum": ["processing", "ready", "refused"],
                       "description": "processing (处理中) until the background task has made the scaled copy and "
                                      "thumbnail; refused when the file then fails to decode."},
            "refused_reason": {"type": ["string", "null"], "description": "Why a refused photo was refused."},
        },
    },
    "MediaProcessing": {"type": "object", "required": ["status"],
                        "properties": {"status": {"enum": ["processing", "refused"]},
                                       "error": {"type": "string"}}},
    "MediaConflict": {"type": "object", "required": ["error", "current"],
                      "properties": {"error": {"type": "string"}, "current": _ref("Media")}},
    "Position": {
        "type": "object", "required": ["latitude", "longitude", "accuracy_m", "at"],
        "properties": {"latitude": {"type": "string"}, "longitude": {"type": "string"},
                       "accuracy_m": STRING_OR_NULL, "at": TIME_OR_NULL},
    },
    "VisitState": {
        "type": "object",
        "required": ["uuid", "id", "school_id", "checklist_version_id", "started_at", "status", "editable", "school",
                     "checkin", "submitted_at", "answers", "entries", "media"],
        "properties": {
            "uuid": UUID, "id": {"type": "integer"}, "school_id": {"type": "integer"},
            "checklist_version_id": {"type": "integer"}, "started_at": TIME_OR_NULL,
            "status": _ref("VisitStatus"), "editable": {"type": "boolean"},
            "school": {"type": "object", "required": ["id", "code", "name", "latitude", "longitude"],
                       "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
                                      "latitude": STRING_OR_NULL, "longitude": STRING_OR_NULL}},
            "checkin": {"oneOf": [{"type": "null"}, _ref("Position")]},
            "submitted_at": TIME_OR_NULL,
            "answers": {"type": "array", "items": _ref("Answer")},
            "entries": {"type": "array", "items": _ref("Entry")},
            "media": {"type": "array", "items": _ref("Media")},
        },
    },
    "Op": {
        "description": (
            "One operation. `answer` sets an item's value and note (both, as the tablet holds them) on the "
            "revision `base_rev` the tablet last saw (0: never answered); `entry_add` adds an entry with the "
            "client's UUID to the repeat `item_id`; `entry_remove` removes `entry`; `photo_remove` removes the "
            "photo `media`; `checkin` records the position of arrival; `survey_response` is one respondent's "
            "answers to a survey round's questionnaire taken face to face (`round_id`, `audience`, `version_id`, "
            "`answers` by question name: text, or a list for a multiple choice), stored once under `op_id` and "
            "counted on the day of `client_ts` (never later than the server's today). `client_ts` is otherwise "
            "kept for the record and never orders anything."),
        "type": "object", "required": ["op_id", "type"],
        "properties": {
            "op_id": UUID, "type": {"enum": ["answer", "entry_add", "entry_remove", "photo_remove", "checkin",
                                             "survey_response"]},
            "item_id": {"type": "integer"}, "entry": {"type": ["string", "null"], "format": "uuid"},
            "value": STRING_OR_NULL, "note": STRING_OR_NULL, "base_rev": {"type": "integer", "minimum": 0},
            "media": UUID, "latitude": {"type": ["number", "string"]}, "longitude": {"type": ["number", "string"]},
            "accuracy_m": {"type": ["number", "string", "null"]}, "at": {"type": "string", "format": "date-time"},
            "client_ts": {"type": "string", "format": "date-time"},
            "round_id": {"type": "integer"}, "audience": {"enum": ["student", "parent"]},
            "version_id": {"type": "integer"},
            "answers": {"type": "object", "additionalProperties": {
                "oneOf": [{"type": ["string", "integer", "null"]}, {"type": "array", "items": {"type": "string"}}]}},
        },
    },
    "OpsRequest": {"type": "object", "required": ["ops"],
                   "properties": {"ops": {"type": "array", "minItems": 1, "maxItems": 500, "items": _ref("Op")}}},
    "OpResult": {
        "type": "object", "required": ["op_id", "status", "rev", "server_ts"],
        "properties": {
            "op_id": UUID,
            "status": {"enum": ["applied", "unchanged", "duplicate", "conflict", "refused"],
                       "description": (
                           "applied; unchanged (the server held this already); duplicate (this op_id was "
                           "received before: its first result's revision); conflict (applied over someone "
                           "else's edit, last write wins, flagged for the supervisor); refused (not applied, "
                           "see message; flagged).")},
            "rev": INT_OR_NULL, "server_ts": {"type": "string", "format": "date-time"},
            "message": {"type": "string"},
            "replaced": {"type": "object", "description": "What a parallel edit replaced: value, note, rev, by, at."},
        },
    },
    "OpsResponse": {"type": "object", "required": ["batch", "results"],
                    "properties": {"batch": {"type": "string"},
                                   "results": {"type": "array", "items": _ref("OpResult")}}},
    "Submitted": {"type": "object", "required": ["status", "submitted_at", "findings_raised", "already"],
                  "properties": {"status": _ref("VisitStatus"), "submitted_at": TIME_OR_NULL,
                                 "findings_raised": {"type": "integer"}, "already": {"type": "boolean"}}},
    "Checklist": {
        "type": "object", "required": ["id", "version", "title", "status", "items", "sections"],
        "properties": {
            "id": {"type": "integer"}, "version": {"type": "string"}, "title": {"type": "object"},
            "status": {"enum": ["draft", "published", "retired"]},
            "items": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "name", "type", "position", "repeat", "section", "required", "default", "logic",
                             "label", "choices"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "type": {"type": "string"},
                               "position": {"type": "integer"}, "repeat": INT_OR_NULL, "section": INT_OR_NULL,
                               "required": {"type": "boolean"}, "default": STRING_OR_NULL,
                               "logic": {"type": ["object", "null"]}, "label": {"type": "object"},
                               "choices": {"type": ["array", "null"]}}}},
            "sections": {"type": "object"},
        },
    },
}

VISIT_KEY = {"name": "uuid", "in": "path", "required": True, "schema": UUID, "description": "The visit's UUID."}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string", "maxLength": 64},
    "description": ("A new UUID for each batch, the same when the batch is sent again. A replay gets the first "
                    "answer (with `Idempotent-Replayed: true`); the same key with another body gets 422."),
}
CSRF_HEADER = {"name": "X-CSRFToken", "in": "header", "required": False, "schema": {"type": "string"},
               "description": "With the session (not with a token): the token from GET /api/v1/csrf."}
CLIENT_HEADER = {"name": "X-Client-Id", "in": "header", "required": False, "schema": {"type": "string"},
                 "description": "The device's id, kept in the sync history and used to tell its own edits apart."}
WRITE_PARAMS = [CSRF_HEADER, CLIENT_HEADER]
CAMPAIGN_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
                 "description": "The campaign's code."}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(name: str, schema: dict[str, t.Any], description: str, required: bool = False) -> dict[str, t.Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


PATHS: dict[str, t.Any] = {
    "/openapi.json": {"get": {"summary": "This document", "security": [],
                              "responses": {"200": {"description": "The OpenAPI document.",
                                                    "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    "/csrf": {"get": {"summary": "A CSRF token for the session", "security": [],
                      "responses": {"200": _json("Csrf", "Send it as X-CSRFToken on writes made with the session.")}}},
    "/session": {"post": {
        "summary": "Log in again (after a 401) without leaving the page", "security": [],
        "parameters": [CSRF_HEADER],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Login")}}},
        "responses": {"200": _json("LoggedIn", "Logged in; a new CSRF token for the new session."),
                      **_errors("400", "413", "422", "503"), "401": _json("Error", "Wrong user name or password."),
                      "429": {**_json("Error", "Too many failed sign-ins for this account or address: the error says "
                                               "when to try again, as do retry_after (seconds) and Retry-After."),
                              "headers": {"Retry-After": {"schema": {"type": "integer"},
                                                          "description": "Seconds until the lock ends."}}}}}},
    "/me": {"get": {"summary": "Who is calling",
                    "responses": {"200": _json("Me", "The user."), **_errors("400", "401", "503")}}},
    "/visits": {"get": {
        "summary": "Visits: an inspector's under way, or those in a staff member's scope",
        "parameters": [_query("page", {"type": "integer", "minimum": 1}, "Page (staff lists).")],
        "responses": {"200": _json("VisitList", "The visits."), **_errors("400", "401", "403", "503")}}},
    "/visits/{uuid}": {
        "get": {"summary": "A visit's state: answers with revisions, entries, photos, signatures, check-in",
                "parameters": [VISIT_KEY],
                "responses": {"200": _json("VisitState", "The visit."), **_errors(*READ_ERRORS)}},
        "put": {"summary": "Open the visit in the field (idempotent)",
                "parameters": [VISIT_KEY, *WRITE_PARAMS],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("VisitRecord")}}},
                "responses": {"201": _json("VisitRecord", "Opened now."),
                              "200": _json("VisitRecord", "Already opened with this record (a replay)."),
                              **_errors(*WRITE_ERRORS),
                              "409": _conflict("VisitConflict", "Opened with another record, or another school or "
                                                                "checklist (`current` is the server's record); or "
                                                                "the visit can no longer change.")}}},
    "/visits/{uuid}/ops": {"post": {
        "summary": "Apply a batch of operations, each exactly once, in the order received",
        "parameters": [VISIT_KEY, IDEMPOTENCY_KEY, *WRITE_PARAMS],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("OpsRequest")}}},
        "responses": {"200": _json("OpsResponse", "Every operation's result, in order."),
                      **_errors(*WRITE_ERRORS),
                      "422": _json("Error", "The Idempotency-Key was used before for another body, or a value "
                                            "was refused.")}}},
    "/visits/{uuid}/submit": {"post": {
        "summary": "Submit the visit for review (idempotent)",
        "parameters": [VISIT_KEY, IDEMPOTENCY_KEY, *WRITE_PARAMS],
        "responses": {"201": _json("Submitted", "Submitted now."),
                      "200": _json("Submitted", "Already submitted (`already` is true)."),
                      **_errors(*READ_ERRORS),
                      "409": _json("Error", "The campaign is not under way."),
                      "422": _json("Error", "Items need attention (`details`), or the key was used for another "
                                            "request.")}}},
    "/media/{uuid}": {
        "put": {
            "summary": "Store a photo or a signature under the client's UUID (idempotent)",
            "parameters": [
                {"name": "uuid", "in": "path", "required": True, "schema": UUID},
                {"name": "X-Content-SHA256", "in": "header", "required": True, "schema": {"type": "string"},
                 "description": "SHA-256 (hex) of the body."},
                _query("visit", UUID, "The visit's UUID.", required=True),
                _query("kind", {"enum": ["photo", "signature"]}, "photo (default) or signature."),
                _query("item", {"type": "integer"}, "Photo: the checklist item."),
                _query("entry", UUID, "Photo: the repeat entry, inside a list."),
                _query("signer", {"enum": ["inspector", "school"]}, "Signature: who signed."),
                _query("signer_name", {"type": "string"}, "Signature: the signer's name (required for school)."),
                _query("taken_at", {"type": "string", "format": "date-time"},
                       "When the photo was taken, if its EXIF does not say."),
                _query("latitude", {"type": "number"}, "Where the tablet was; kept only if the item asks for it."),
                _query("longitude", {"type": "number"}, "See latitude."),
                _query("accuracy_m", {"type": "number"}, "Accuracy of that position, in metres."),
                _query("filename", {"type": "string"}, "The original file name."),
                *WRITE_PARAMS,
            ],
            "requestBody": {"required": True, "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/webp": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": {"201": _json("Media", "Stored."),
                          "200": _json("Media", "Stored before with the same bytes and place (a replay)."),
                          **_errors(*WRITE_ERRORS),
                          "409": _conflict("MediaConflict", "The UUID names other bytes or another place, or the "
                                                            "visit can no longer change."),
                          "413": _json("Error", "Too large.")}},
        "get": {
            "summary": "A stored photo or signature",
            "parameters": [{"name": "uuid", "in": "path", "required": True, "schema": UUID},
                           _query("variant", {"enum": ["original", "thumb", "stamped"]},
                                  "The stored file, its thumbnail, or the copy stamped with school, time and place.")],
            "responses": {"200": {"description": "The JPEG.", "content": {"image/jpeg": {}}},
                          "202": _json("MediaProcessing", "Still processing: ask again after `Retry-After` seconds."),
                          **_errors(*READ_ERRORS),
                          "422": _json("MediaProcessing", "Refused once decoded; `error` says why.")}}},
    "/campaigns/{code}/export.csv": {"get": {
        "summary": "A campaign's raw data as CSV (UTF-8 with a byte-order mark), streamed",
        "description": ("One row per visit in the caller's scope (a county's staff get their county's schools), "
                        "one column per checklist question headed `label [name]`; with `list`, the entries of "
                        "that repeat instead, one row each keyed by the visit's uuid. See docs/reports.md."),
        "parameters": [CAMPAIGN_CODE, _query("list", {"type": "string"}, "A repeat's name: its entries.")],
        "responses": {"200": {"description": "The CSV file.", "content": {"text/csv": {"schema": {"type": "string"}}}},
                      **_errors(*READ_ERRORS)}}},
    "/campaigns/{code}/export.xlsx": {"get": {
        "summary": "A campaign's raw data as an .xlsx workbook: the visits, and a sheet per repeat",
        "parameters": [CAMPAIGN_CODE],
        "responses": {"200": {"description": "The workbook.", "content": {XLSX: {
                                  "schema": {"type": "string", "format": "binary"}}}},
                      **_errors(*READ_ERRORS)}}},
    "/checklists/{id}": {"get": {
        "summary": "A checklist version: items, labels, choices and logic",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json("Checklist", "The version."), **_errors(*READ_ERRORS)}}},
}


# --- the read API for other systems (/data/…; api/read.py, api/services.py) ---------------------------------

DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
TIME = {"type": "string", "format": "date-time"}
STAMPS = {"created_at": {**TIME, "description": "UTC."},
          "updated_at": {**TIME, "description": "UTC; changes with every change to the row (pages are in "
                                                 "its order)."}}


def _state(*codes: str) -> dict[str, t.Any]:
    return {"type": "object", "required": ["code", "label"], "description": "A stable machine code and its label "
            "in the caller's language.", "properties": {"code": {"enum": list(codes)}, "label": {"type": "string"}}}


def _object(required: t.Sequence[str], **properties: t.Any) -> dict[str, t.Any]:
    return {"type": "object", "required": list(required), "properties": properties}


def _row(properties: dict[str, t.Any]) -> dict[str, t.Any]:
    """A row of the read API: every property is always present."""
    return _object(list(properties), **properties)


REF = _object(["id", "code", "name"], id={"type": "integer"}, code={"type": "string"}, name={"type": "string"})
COUNTY = _object(["id", "code", "name"], id={"type": "integer"}, code=STRING_OR_NULL, name={"type": "string"})
CITY = _object(["id", "code", "name"], id={"type": "integer"}, code=STRING_OR_NULL, name={"type": "string"})
DECIMAL_OR_NULL = {"type": ["string", "null"], "description": "A decimal number, as text."}

SCHEMAS.update({
    "DataCampaign": _row({
        "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}, "term": {"type": "string"},
        "status": _state("planning", "active", "closed"),
        "level": {"enum": ["province", "city", "county"], "description": "Whose campaign it is."},
        "city": {"oneOf": [{"type": "null"}, CITY], "description": "The owning city; null: the province's."},
        "county": {"oneOf": [{"type": "null"}, COUNTY], "description": "The owning county; null: city-wide."},
        "cross_county": {"type": "boolean"}, "checklist_version_id": {"type": "integer"},
        "starts_on": DATE_OR_NULL, "ends_on": DATE_OR_NULL, "default_due_on": DATE_OR_NULL, **STAMPS}),
    "DataSchool": _row({
        "id": {"type": "integer"}, "code": {"type": "string", "description": "学校标识码."},
        "name": {"type": "string"}, "county": COUNTY, "city": CITY,
        "level": _state("preschool", "primary", "junior", "senior", "vocational", "nine_year", "complete"),
        "address": STRING_OR_NULL, "active": {"type": "boolean"},
        "latitude": DECIMAL_OR_NULL, "longitude": DECIMAL_OR_NULL, **STAMPS}),
    "DataScore": {**_row({
        "score": DECIMAL_OR_NULL, "full_marks": DECIMAL_OR_NULL, "percent": DECIMAL_OR_NULL,
        "vetoed": {"type": "boolean", "description": "A veto item (一票否决) failed."},
        "complete": {"type": "boolean"}, "answered": {"type": "integer"}, "failed": {"type": "integer"},
        "unanswered": {"type": "integer"},
        "sections": {"type": "array", "items": _row({
            "name": STRING_OR_NULL, "label": {"type": "string"}, "weight": DECIMAL_OR_NULL,
            "score": DECIMAL_OR_NULL})}}),
        "description": "The visit's score on the checklist's scale; final once the visit is approved."},
    "DataVisit": _row({
        "id": {"type": "integer"}, "uuid": UUID, "campaign": REF, "school": REF,
        "checklist_version_id": {"type": "integer"},
        "status": _state("planned", "in_progress", "submitted", "approved", "returned"),
        "planned_on": DATE_OR_NULL, "started_at": TIME_OR_NULL, "submitted_at": TIME_OR_NULL,
        "reviewed_at": TIME_OR_NULL,
        "score": {"oneOf": [{"type": "null"}, _ref("DataScore")],
                  "description": "null when the checklist has nothing to score."}, **STAMPS}),
    "DataFinding": _row({
        "id": {"type": "integer"}, "reference": {"type": "string"}, "campaign": REF, "school": REF,
        "visit": _object(["id", "uuid"], id={"type": "integer"}, uuid=UUID),
        "item": {"type": ["string", "null"], "description": "The checklist item's name; null when written by hand."},
        "section": {"oneOf": [{"type": "null"}, _object(["name", "label"], name={"type": "string"},
                                                          label={"type": "string"})]},
        "severity": _state("general", "major", "severe"), "status": _state("raised", "confirmed", "dismissed"),
        "description": {"type": "string"}, "dismiss_reason": STRING_OR_NULL, "decided_at": TIME_OR_NULL,
        "rectification_id": INT_OR_NULL, **STAMPS}),
    "DataRectification": _row({
        "id": {"type": "integer"},
        "finding": _object(["id", "reference"], id={"type": "integer"}, reference={"type": "string"}),
        "campaign": REF, "school": REF,
        "status": _state("not_started", "in_progress", "partial", "submitted", "closed", "returned"),
        "due_on": {"type": "string", "format": "date", "description": "The deadline (Asia/Shanghai calendar)."},
        "overdue": {"type": "boolean", "description": "Not closed and past its deadline today (Asia/Shanghai); "
                                                      "computed at the request, never stored."},
        "opened_on": DATE_OR_NULL, "submitted_at": TIME_OR_NULL, "verified_at": TIME_OR_NULL,
        "closed_on": DATE_OR_NULL, "measures": STRING_OR_NULL, "responsible_unit": STRING_OR_NULL, **STAMPS}),
})
for _name in ("Campaign", "School", "Visit", "Finding", "Rectification"):
    SCHEMAS[f"Data{_name}Page"] = _row({
        "items": {"type": "array", "items": _ref(f"Data{_name}")},
        "limit": {"type": "integer", "minimum": 1, "maximum": 500},
        "next_cursor": {"type": ["string", "null"], "description": "null on the last page."},
        "next": {"type": ["string", "null"], "description": "The next page's address, with the same filters."}})

PAGE_PARAMS = [
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}, "Rows per page."),
    _query("cursor", {"type": "string", "maxLength": 200},
           "The `next_cursor` of the page before (the first page has none)."),
    _query("updated_since", {"type": "string", "format": "date-time"},
           "Only rows changed at or after this moment (ISO 8601 with its offset, such as 2026-11-27T08:00:00+08:00)."),
]
CODE = {"type": "string", "minLength": 1, "maxLength": 64}
CAMPAIGN_FILTER = _query("campaign", CODE, "Only this campaign's (its code).")
SCHOOL_FILTER = _query("school", CODE, "Only this school's (its 学校标识码).")
CITY_FILTER = _query("city", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                     "Only this city's (its id, as `inspect-app regions list --json` gives it).")


def _status(*codes: str) -> dict[str, t.Any]:
    return _query("status", {"enum": list(codes)}, "Only rows in this state (its machine code).")


def _collection(summary: str, name: str, *filters: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"get": {
        "summary": summary, "parameters": [*PAGE_PARAMS, *filters],
        "description": "A page of rows in the order (updated_at, id), in the caller's scope; follow `next` until "
                       "it is null. See docs/api.md, \"Reading data from other systems\".",
        "responses": {"200": _json(f"Data{name}Page", "A page."),
                      "400": _json("Error", "A parameter is out of bounds or malformed (`details` names it)."),
                      **_errors("401", "403", "503")}}}


PATHS.update({
    "/data/campaigns": _collection("Campaigns", "Campaign", CITY_FILTER, _status("planning", "active", "closed")),
    "/data/schools": _collection(
        "Schools", "School", CITY_FILTER, _query("county", CODE, "Only this county's (its code, GB/T 2260)."),
        _query("active", {"type": "boolean"}, "Only schools in use (true) or retired (false).")),
    "/data/visits": _collection(
        "Visits with their scores", "Visit", CITY_FILTER, CAMPAIGN_FILTER, SCHOOL_FILTER,
        _status("planned", "in_progress", "submitted", "approved", "returned")),
    "/data/findings": _collection(
        "Findings", "Finding", CITY_FILTER, CAMPAIGN_FILTER, SCHOOL_FILTER, _status("raised", "confirmed", "dismissed"),
        _query("severity", {"enum": ["general", "major", "severe"]}, "Only findings of this severity.")),
    "/data/rectifications": _collection(
        "Rectifications with deadline, overdue flag and state", "Rectification", CITY_FILTER, CAMPAIGN_FILTER,
        SCHOOL_FILTER,
        _status("not_started", "in_progress", "partial", "submitted", "closed", "returned"),
        _query("overdue", {"type": "boolean"}, "Only overdue rectifications (true) or those not overdue (false).")),
})


def document(server: str) -> dict[str, t.Any]:
    """The OpenAPI document, with ``server`` (the API's base path) as its server."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "资助督查 sync API", "version": VERSION,
                 "description": "Field entry from tablets that work offline; see docs/api.md."},
        "servers": [{"url": server}],
        "security": [{"session": []}, {"token": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "The browser session; writes also need X-CSRFToken."},
                "token": {"type": "http", "scheme": "bearer",
                          "description": "A personal token: `inspect-app users token USERNAME`."},
            },
        },
    }
