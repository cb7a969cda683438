"""Every SQL statement qualcode runs. No other module writes SQL."""

from __future__ import annotations

# Recorded migrations: (version, name, script). Never edit a released one; append a new one.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "documents, turns, participants, attributes, segments, applications, decisions, runs",
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            codebook_hash TEXT,
            settings TEXT NOT NULL DEFAULT '{}',
            summary TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE participants (id TEXT PRIMARY KEY);
        CREATE TABLE attributes (
            participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (participant_id, name)
        );
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            name TEXT NOT NULL,
            format TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            version INTEGER NOT NULL,
            text TEXT NOT NULL,
            preamble_end INTEGER NOT NULL DEFAULT 0,
            words INTEGER NOT NULL DEFAULT 0,
            participant_id TEXT REFERENCES participants(id) ON DELETE SET NULL,
            run_id INTEGER REFERENCES runs(id),
            superseded_by INTEGER REFERENCES documents(id),
            UNIQUE (source, version)
        );
        CREATE INDEX documents_current ON documents(source) WHERE superseded_by IS NULL;
        CREATE TABLE turns (
            document_id INTEGER NOT NULL REFERENCES documents(id),
            idx INTEGER NOT NULL,
            speaker TEXT,
            role TEXT NOT NULL CHECK (role IN ('interviewer', 'participant')),
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            words INTEGER NOT NULL,
            timestamp TEXT,
            PRIMARY KEY (document_id, idx),
            CHECK (0 <= start AND start <= end)
        ) WITHOUT ROWID;
        CREATE TABLE segments (
            id TEXT PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            turn_idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            FOREIGN KEY (document_id, turn_idx) REFERENCES turns(document_id, idx)
        );
        CREATE INDEX segments_document ON segments(document_id, turn_idx);
        CREATE TABLE applications (
            id INTEGER PRIMARY KEY,
            segment_id TEXT NOT NULL REFERENCES segments(id),
            code_id TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('rule', 'model', 'topic', 'human', 'import')),
            source TEXT NOT NULL,
            score REAL,
            run_id INTEGER REFERENCES runs(id),
            codebook_hash TEXT,
            superseded_by_run INTEGER REFERENCES runs(id)
        );
        CREATE UNIQUE INDEX applications_once ON applications
            (segment_id, code_id, kind, source, coalesce(codebook_hash, ''));
        CREATE INDEX applications_code ON applications(code_id);
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            application_id INTEGER REFERENCES applications(id),
            segment_id TEXT NOT NULL REFERENCES segments(id),
            code_id TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('accept', 'reject', 'recode', 'add')),
            note TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        );
        CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions
            BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
        CREATE TRIGGER decisions_append_only_delete BEFORE DELETE ON decisions
            BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
        """,
    ),
    (
        2,
        "reviews: segments a coder has coded completely (even with no code)",
        """
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            segment_id TEXT NOT NULL REFERENCES segments(id),
            reviewer TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            at TEXT NOT NULL
        );
        CREATE INDEX reviews_segment ON reviews(segment_id);
        CREATE TRIGGER reviews_append_only_update BEFORE UPDATE ON reviews
            BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
        CREATE TRIGGER reviews_append_only_delete BEFORE DELETE ON reviews
            BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
        """,
    ),
    (
        3,
        "undone decisions, live_decisions view, marks (key quotes and memos)",
        """
        CREATE TABLE undone (
            decision_id INTEGER PRIMARY KEY REFERENCES decisions(id),
            reviewer TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE TRIGGER undone_append_only_update BEFORE UPDATE ON undone
            BEGIN SELECT RAISE(ABORT, 'undo records are append-only'); END;
        CREATE TRIGGER undone_append_only_delete BEFORE DELETE ON undone
            BEGIN SELECT RAISE(ABORT, 'undo records are append-only'); END;
        CREATE VIEW live_decisions AS
            SELECT * FROM decisions WHERE id NOT IN (SELECT decision_id FROM undone);
        CREATE TABLE marks (
            id INTEGER PRIMARY KEY,
            segment_id TEXT NOT NULL REFERENCES segments(id),
            reviewer TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('key_quote', 'not_key_quote', 'memo')),
            text TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        );
        CREATE INDEX marks_segment ON marks(segment_id);
        CREATE TRIGGER marks_append_only_update BEFORE UPDATE ON marks
            BEGIN SELECT RAISE(ABORT, 'marks are append-only'); END;
        CREATE TRIGGER marks_append_only_delete BEFORE DELETE ON marks
            BEGIN SELECT RAISE(ABORT, 'marks are append-only'); END;
        CREATE TABLE resolutions (
            id INTEGER PRIMARY KEY,
            segment_id TEXT NOT NULL REFERENCES segments(id),
            coder_a TEXT NOT NULL,
            coder_b TEXT NOT NULL,
            choice TEXT NOT NULL CHECK (choice IN ('a', 'b', 'both', 'neither', 'other')),
            codes TEXT NOT NULL,
            rationale TEXT NOT NULL DEFAULT '',
            reviewer TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX resolutions_segment ON resolutions(segment_id);
        CREATE TRIGGER resolutions_append_only_update BEFORE UPDATE ON resolutions
            BEGIN SELECT RAISE(ABORT, 'resolutions are append-only'); END;
        CREATE TRIGGER resolutions_append_only_delete BEFORE DELETE ON resolutions
            BEGIN SELECT RAISE(ABORT, 'resolutions are append-only'); END;
        """,
    ),
    (
        4,
        "document_notes: what the shape checks found in each parsed document",
        """
        CREATE TABLE document_notes (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            turn_idx INTEGER,
            message TEXT NOT NULL
        );
        CREATE INDEX document_notes_document ON document_notes(document_id);
        """,
    ),
    (
        5,
        "indexes: review decisions by application and by segment, documents by participant",
        """
        CREATE INDEX decisions_application ON decisions(application_id);
        CREATE INDEX decisions_segment ON decisions(segment_id, reviewer);
        CREATE INDEX reviews_reviewer ON reviews(reviewer, segment_id);
        CREATE INDEX documents_participant ON documents(participant_id);
        CREATE INDEX applications_kind ON applications(kind, superseded_by_run);
        CREATE INDEX documents_sha ON documents(sha256);
        """,
    ),
    (
        6,
        "withdrawn marks: a memo taken back (undo) stays recorded, marked withdrawn",
        """
        CREATE TABLE withdrawn_marks (
            mark_id INTEGER PRIMARY KEY REFERENCES marks(id),
            reviewer TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE TRIGGER withdrawn_marks_append_only_update BEFORE UPDATE ON withdrawn_marks
            BEGIN SELECT RAISE(ABORT, 'withdrawals are append-only'); END;
        CREATE TRIGGER withdrawn_marks_append_only_delete BEFORE DELETE ON withdrawn_marks
            BEGIN SELECT RAISE(ABORT, 'withdrawals are append-only'); END;
        """,
    ),
    (
        7,
        "audit log of every command that changed the project; the codebook versions used",
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            who TEXT NOT NULL,
            command TEXT NOT NULL,
            options TEXT NOT NULL,        -- JSON: the command's options, never text it read
            codebook_hash TEXT,
            model TEXT,
            changes TEXT NOT NULL          -- JSON: what the command added, by kind
        );
        CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TABLE codebook_versions (
            hash TEXT PRIMARY KEY,
            first_used TEXT NOT NULL,
            source TEXT NOT NULL,
            content TEXT NOT NULL          -- JSON: the codebook's content (what the hash is of)
        );
        """,
    ),
    (
        8,
        "accounts for 'qualcode serve': users, one-time invites, browser sessions",
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('coder', 'reviewer', 'lead')),
            password_hash TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE TABLE invites (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            used_at TEXT
        );
        CREATE TABLE web_sessions (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        9,
        "each blind coder's sample for 'qualcode serve' (share of turns, seed, coder overlapped)",
        """
        ALTER TABLE users ADD COLUMN sample REAL NOT NULL DEFAULT 1.0;
        ALTER TABLE users ADD COLUMN seed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE users ADD COLUMN overlap TEXT NOT NULL DEFAULT '';
        """,
    ),
    (
        10,
        "actions: every key press, form post or import is one action with an id; undone whole",
        """
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            who TEXT NOT NULL,
            kind TEXT NOT NULL,            -- what was done: accept, reject, change, code, ...
            mode TEXT NOT NULL DEFAULT '', -- review, blind, reconcile, import
            via TEXT NOT NULL DEFAULT '',  -- terminal, browser, spreadsheet, cli
            segment_id TEXT,
            at TEXT NOT NULL               -- to the microsecond: undo goes by id, never by time
        );
        CREATE INDEX actions_who ON actions(who, id);
        CREATE TRIGGER actions_append_only_update BEFORE UPDATE ON actions
            BEGIN SELECT RAISE(ABORT, 'actions are append-only'); END;
        CREATE TRIGGER actions_append_only_delete BEFORE DELETE ON actions
            BEGIN SELECT RAISE(ABORT, 'actions are append-only'); END;
        CREATE TABLE undone_actions (
            action_id INTEGER PRIMARY KEY REFERENCES actions(id),
            who TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE TRIGGER undone_actions_append_only_update BEFORE UPDATE ON undone_actions
            BEGIN SELECT RAISE(ABORT, 'undo records are append-only'); END;
        CREATE TRIGGER undone_actions_append_only_delete BEFORE DELETE ON undone_actions
            BEGIN SELECT RAISE(ABORT, 'undo records are append-only'); END;
        ALTER TABLE decisions ADD COLUMN action_id INTEGER REFERENCES actions(id);
        ALTER TABLE reviews ADD COLUMN action_id INTEGER REFERENCES actions(id);
        ALTER TABLE marks ADD COLUMN action_id INTEGER REFERENCES actions(id);
        ALTER TABLE resolutions ADD COLUMN action_id INTEGER REFERENCES actions(id);
        ALTER TABLE applications ADD COLUMN action_id INTEGER REFERENCES actions(id);
        ALTER TABLE audit ADD COLUMN invocation TEXT;
        ALTER TABLE audit ADD COLUMN part TEXT NOT NULL DEFAULT 'end';
        CREATE INDEX decisions_action ON decisions(action_id);
        CREATE INDEX reviews_action ON reviews(action_id);
        CREATE INDEX marks_action ON marks(action_id);
        CREATE INDEX resolutions_action ON resolutions(action_id);
        DROP VIEW live_decisions;
        CREATE VIEW live_decisions AS
            SELECT * FROM decisions WHERE id NOT IN (SELECT decision_id FROM undone)
            AND coalesce(action_id, 0) NOT IN (SELECT action_id FROM undone_actions);
        CREATE VIEW live_reviews AS
            SELECT * FROM reviews
            WHERE coalesce(action_id, 0) NOT IN (SELECT action_id FROM undone_actions);
        CREATE VIEW live_marks AS
            SELECT * FROM marks WHERE id NOT IN (SELECT mark_id FROM withdrawn_marks)
            AND coalesce(action_id, 0) NOT IN (SELECT action_id FROM undone_actions);
        CREATE VIEW live_resolutions AS
            SELECT * FROM resolutions
            WHERE coalesce(action_id, 0) NOT IN (SELECT action_id FROM undone_actions);
        """,
    ),
    (
        11,
        "failed logins of 'qualcode serve' by name and client address, kept across restarts",
        """
        CREATE TABLE login_failures (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,     -- the name tried (a user's, or not)
            address TEXT NOT NULL,  -- the client address it came from
            at TEXT NOT NULL
        );
        CREATE INDEX login_failures_pair ON login_failures(name, address, at);
        CREATE INDEX login_failures_address ON login_failures(address, at);
        """,
    ),
    (
        12,
        "search index: full-text search over the turns of current documents, kept by triggers",
        # External content: the index holds no copy of the text, only its terms. A turn's row id
        # is document id * 2^20 + turn index (SEARCH_ROWID); the triggers keep the index to the
        # turns of current documents as turns are stored and documents superseded.
        """
        CREATE VIEW turn_texts AS
            SELECT t.document_id * 1048576 + t.idx AS id,
                   substr(d.text, t.start + 1, t.end - t.start) AS body
            FROM turns t JOIN documents d ON d.id = t.document_id AND d.superseded_by IS NULL;
        CREATE VIRTUAL TABLE turn_search USING fts5(
            body, content = 'turn_texts', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
        );
        CREATE VIRTUAL TABLE turn_search_terms USING fts5vocab(turn_search, 'row');
        CREATE TRIGGER turn_search_add AFTER INSERT ON turns BEGIN
            INSERT INTO turn_search (rowid, body)
            SELECT new.document_id * 1048576 + new.idx,
                   substr(d.text, new.start + 1, new.end - new.start)
            FROM documents d WHERE d.id = new.document_id AND d.superseded_by IS NULL;
        END;
        CREATE TRIGGER turn_search_drop AFTER DELETE ON turns BEGIN
            INSERT INTO turn_search (turn_search, rowid, body)
            SELECT 'delete', old.document_id * 1048576 + old.idx,
                   substr(d.text, old.start + 1, old.end - old.start)
            FROM documents d WHERE d.id = old.document_id AND d.superseded_by IS NULL;
        END;
        CREATE TRIGGER turn_search_supersede AFTER UPDATE OF superseded_by ON documents
        WHEN old.superseded_by IS NULL AND new.superseded_by IS NOT NULL BEGIN
            INSERT INTO turn_search (turn_search, rowid, body)
            SELECT 'delete', old.id * 1048576 + t.idx,
                   substr(old.text, t.start + 1, t.end - t.start)
            FROM turns t WHERE t.document_id = old.id;
        END;
        CREATE TRIGGER turn_search_restore AFTER UPDATE OF superseded_by ON documents
        WHEN old.superseded_by IS NOT NULL AND new.superseded_by IS NULL BEGIN
            INSERT INTO turn_search (rowid, body)
            SELECT new.id * 1048576 + t.idx, substr(new.text, t.start + 1, t.end - t.start)
            FROM turns t WHERE t.document_id = new.id;
        END;
        CREATE TRIGGER turn_search_retext AFTER UPDATE OF text ON documents
        WHEN old.superseded_by IS NULL AND new.superseded_by IS NULL BEGIN
            INSERT INTO turn_search (turn_search, rowid, body)
            SELECT 'delete', old.id * 1048576 + t.idx,
                   substr(old.text, t.start + 1, t.end - t.start)
            FROM turns t WHERE t.document_id = old.id;
            INSERT INTO turn_search (rowid, body)
            SELECT new.id * 1048576 + t.idx, substr(new.text, t.start + 1, t.end - t.start)
            FROM turns t WHERE t.document_id = new.id;
        END;
        INSERT INTO turn_search (turn_search) VALUES ('rebuild');
        """,
    ),
    (
        13,
        "framework summaries: a person's summary of one participant's data for one code",
        """
        CREATE TABLE summaries (
            id INTEGER PRIMARY KEY,
            participant_id TEXT NOT NULL,
            code TEXT NOT NULL,
            text TEXT NOT NULL,             -- '' takes the cell's summary away
            author TEXT NOT NULL,           -- a person, or 'machine' for a draft
            draft INTEGER NOT NULL DEFAULT 0, -- 1: a machine's draft nobody has edited yet
            at TEXT NOT NULL,
            action_id INTEGER REFERENCES actions(id)
        );
        CREATE INDEX summaries_cell ON summaries(participant_id, code, id);
        CREATE TRIGGER summaries_append_only_update BEFORE UPDATE ON summaries
            BEGIN SELECT RAISE(ABORT, 'summaries are append-only'); END;
        CREATE TRIGGER summaries_append_only_delete BEFORE DELETE ON summaries
            BEGIN SELECT RAISE(ABORT, 'summaries are append-only'); END;
        CREATE VIEW live_summaries AS
            SELECT * FROM summaries
            WHERE coalesce(action_id, 0) NOT IN (SELECT action_id FROM undone_actions);
        """,
    ),
)

INSERT_USER = """
INSERT INTO users (name, role, sample, seed, overlap, created_at) VALUES (?, ?, ?, ?, ?, ?)"""
USER_BY_NAME = "SELECT id, name, role, password_hash, active FROM users WHERE name = ?"
USER_BY_ID = "SELECT id, name, role, password_hash, active FROM users WHERE id = ?"
ALL_USERS = """
SELECT id, name, role, password_hash IS NOT NULL, active, created_at, sample, seed, overlap
FROM users
ORDER BY name"""
SET_PASSWORD = "UPDATE users SET password_hash = ? WHERE id = ?"
DEACTIVATE_USER = "UPDATE users SET active = 0 WHERE name = ?"
DROP_USER_SESSIONS = "DELETE FROM web_sessions WHERE user_id = ?"
INSERT_INVITE = "INSERT INTO invites (token_hash, user_id, created_at) VALUES (?, ?, ?)"
OPEN_INVITE = """
SELECT user_id FROM invites WHERE token_hash = ? AND used_at IS NULL AND created_at > ?"""
USE_INVITE = """
UPDATE invites SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND created_at > ?"""
INSERT_SESSION = (
    "INSERT INTO web_sessions (token_hash, user_id, csrf, created_at) VALUES (?, ?, ?, ?)"
)
SESSION = """
SELECT u.id, u.name, u.role, s.csrf, u.sample, u.seed, u.overlap
FROM web_sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ? AND u.active = 1 AND s.created_at > ?"""
DROP_SESSION = "DELETE FROM web_sessions WHERE token_hash = ?"
# Accounts a lead manages after adding them: a new invite, reactivation, another role.
END_USER_INVITES = "UPDATE invites SET used_at = ? WHERE user_id = ? AND used_at IS NULL"
CLEAR_PASSWORD = "UPDATE users SET password_hash = NULL WHERE id = ?"
REACTIVATE_USER = "UPDATE users SET active = 1 WHERE id = ?"
SET_ROLE = "UPDATE users SET role = ?, sample = ?, seed = ?, overlap = ? WHERE id = ?"
ACTIVE_LEADS = "SELECT count(*) FROM users WHERE role = 'lead' AND active = 1"

# Failed logins (qualcode.store.logins): counted per name and address, and per address.
INSERT_LOGIN_FAILURE = "INSERT INTO login_failures (name, address, at) VALUES (?, ?, ?)"
PRUNE_LOGIN_FAILURES = "DELETE FROM login_failures WHERE at <= ?"
LOGIN_FAILURES = """
SELECT (SELECT count(*) FROM login_failures WHERE name = ? AND address = ? AND at > ?),
       (SELECT count(*) FROM login_failures WHERE address = ? AND at > ?)"""
CLEAR_LOGIN_FAILURES = "DELETE FROM login_failures WHERE name = ? AND address = ?"
UNLOCK_NAME = "DELETE FROM login_failures WHERE name = ?"
LOCKED_NAMES = """
SELECT name, max(n) FROM (
    SELECT name, count(*) AS n FROM login_failures WHERE at > ? GROUP BY name, address
) WHERE n >= ? GROUP BY name ORDER BY name"""

INSERT_AUDIT = """
INSERT INTO audit (started_at, finished_at, who, command, options, codebook_hash, model, changes,
                   invocation, part)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
AUDIT_LOG = """
SELECT id, started_at, finished_at, who, command, options, codebook_hash, model, changes,
       invocation, part
FROM audit ORDER BY id"""
INSERT_CODEBOOK_VERSION = """
INSERT OR IGNORE INTO codebook_versions (hash, first_used, source, content) VALUES (?, ?, ?, ?)"""
CODEBOOK_VERSIONS = """
SELECT hash, first_used, source, content FROM codebook_versions ORDER BY first_used, rowid"""
# What a project holds, counted before and after a command (the audit log's 'changes').
PROJECT_COUNTS = """
SELECT (SELECT count(*) FROM documents WHERE superseded_by IS NULL),
       (SELECT count(*) FROM applications WHERE kind IN ('human', 'import')),
       (SELECT count(*) FROM applications WHERE kind IN ('rule', 'model', 'topic')),
       (SELECT count(*) FROM decisions),
       (SELECT count(*) FROM reviews),
       (SELECT count(*) FROM marks),
       (SELECT count(*) FROM resolutions)"""

CREATE_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL
)"""
APPLIED_VERSIONS = "SELECT version FROM migrations ORDER BY version"
RECORD_MIGRATION_SCRIPT = (
    "INSERT INTO migrations (version, name, applied_at) VALUES ({version}, '{name}', '{at}')"
)
COUNT_TABLES = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name != 'migrations'"

START_RUN = "INSERT INTO runs (kind, started_at, settings) VALUES (?, ?, ?)"
FINISH_RUN = "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?"

SAME_CONTENT = """
SELECT source FROM documents WHERE sha256 = ? AND source != ? AND superseded_by IS NULL"""
CURRENT_DOCUMENT = """
SELECT id, sha256, version FROM documents WHERE source = ? AND superseded_by IS NULL"""
DOCUMENT_COUNTS = """
SELECT d.format, (SELECT count(*) FROM turns WHERE document_id = d.id), d.words
FROM documents d WHERE d.id = ?"""
INSERT_DOCUMENT = """
INSERT INTO documents (source, name, format, sha256, version, text, preamble_end, words, run_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
SUPERSEDE_DOCUMENT = "UPDATE documents SET superseded_by = ? WHERE id = ?"
# While a new version's turns are stored it stands superseded by itself, so the search index's
# per-turn trigger (turn_search_add) skips them; made current, turn_search_restore indexes all
# its turns at once, with the text read once instead of once a turn (half of ingest's writes).
HIDE_DOCUMENT = "UPDATE documents SET superseded_by = id WHERE id = ?"
SHOW_DOCUMENT = "UPDATE documents SET superseded_by = NULL WHERE id = ?"
CARRY_PARTICIPANT = """
UPDATE documents SET participant_id = (SELECT participant_id FROM documents WHERE id = ?)
WHERE id = ?"""
INSERT_NOTE = "INSERT INTO document_notes (document_id, turn_idx, message) VALUES (?, ?, ?)"
DELETE_NOTES = "DELETE FROM document_notes WHERE document_id = ?"
NOTES_OF_DOCUMENT = """
SELECT message, turn_idx FROM document_notes WHERE document_id = ? ORDER BY id"""
CURRENT_NOTES = """
SELECT d.source, n.message, n.turn_idx FROM document_notes n
JOIN documents d ON d.id = n.document_id AND d.superseded_by IS NULL
ORDER BY d.source, n.id"""
DOCUMENTS_WITHOUT_PARTICIPANT = """
SELECT id, source, name FROM documents
WHERE superseded_by IS NULL AND participant_id IS NULL ORDER BY source"""
INSERT_TURN = """
INSERT INTO turns (document_id, idx, speaker, role, start, end, words, timestamp)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""
HUMAN_DECISIONS_ON_DOCUMENT = """
SELECT count(*) FROM live_decisions d JOIN segments s ON s.id = d.segment_id
WHERE s.document_id = ?"""

CURRENT_DOCUMENTS = """
SELECT id, source, name, format, sha256, version, preamble_end, participant_id
FROM documents WHERE superseded_by IS NULL ORDER BY source"""
DOCUMENT_BY_ID = """
SELECT id, source, name, format, sha256, version, text, preamble_end, participant_id
FROM documents WHERE id = ?"""
TURNS_OF_DOCUMENT = """
SELECT idx, speaker, role, start, end, timestamp FROM turns WHERE document_id = ? ORDER BY idx"""
SET_DOCUMENT_PARTICIPANT = "UPDATE documents SET participant_id = ? WHERE id = ?"

UPSERT_PARTICIPANT = "INSERT OR IGNORE INTO participants (id) VALUES (?)"
UPSERT_ATTRIBUTE = """
INSERT INTO attributes (participant_id, name, value) VALUES (?, ?, ?)
ON CONFLICT (participant_id, name) DO UPDATE SET value = excluded.value"""
ATTRIBUTES_OF = "SELECT name, value FROM attributes WHERE participant_id = ? ORDER BY name"

STATUS_TOTALS = """
SELECT count(DISTINCT d.id), count(t.idx), coalesce(sum(t.words), 0),
       coalesce(sum(CASE WHEN t.role = 'participant' THEN t.words END), 0),
       count(DISTINCT d.participant_id), count(DISTINCT d.id || '/' || coalesce(t.speaker, ''))
FROM documents d LEFT JOIN turns t ON t.document_id = d.id
WHERE d.superseded_by IS NULL"""
STATUS_FORMATS = """
SELECT format, count(*) FROM documents WHERE superseded_by IS NULL
GROUP BY format ORDER BY format"""
STATUS_ATTRIBUTE_COUNTS = """
SELECT a.name, a.value, count(DISTINCT d.participant_id)
FROM documents d JOIN attributes a ON a.participant_id = d.participant_id
WHERE d.superseded_by IS NULL
GROUP BY a.name, a.value ORDER BY a.name, a.value"""
STATUS_SUPERSEDED = "SELECT count(*) FROM documents WHERE superseded_by IS NOT NULL"

# coding ---------------------------------------------------------------------------------
CURRENT_TEXTS = """
SELECT id, sha256, text FROM documents WHERE superseded_by IS NULL ORDER BY source"""
TURN_SPANS = "SELECT idx, start, end, role FROM turns WHERE document_id = ? ORDER BY idx"
INSERT_SEGMENT = """
INSERT OR IGNORE INTO segments (id, document_id, turn_idx, start, end) VALUES (?, ?, ?, ?, ?)"""
INSERT_APPLICATION = """
INSERT OR IGNORE INTO applications
    (segment_id, code_id, start, end, kind, source, score, run_id, codebook_hash, action_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT max(id) FROM temp.current_action))"""
SUPERSEDE_RULE_APPLICATIONS = """
UPDATE applications SET superseded_by_run = ?
WHERE kind = 'rule' AND superseded_by_run IS NULL AND codebook_hash != ?"""
UNSUPERSEDE_RULE_APPLICATIONS = """
UPDATE applications SET superseded_by_run = NULL
WHERE kind = 'rule' AND codebook_hash = ? AND superseded_by_run IS NOT NULL"""
CODING_SUMMARY = """
SELECT a.code_id, count(DISTINCT a.segment_id),
       count(DISTINCT coalesce(d.participant_id, 'doc:' || d.id))
FROM applications a JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id
WHERE d.superseded_by IS NULL AND a.superseded_by_run IS NULL AND a.kind = ?
GROUP BY a.code_id"""
EXPORT_CODINGS = """
SELECT d.source, d.participant_id, t.idx, t.speaker, t.role, s.id, s.start, s.end,
       substr(d.text, s.start + 1, s.end - s.start),
       a.id, a.code_id, a.kind, a.source, a.score, a.start, a.end, a.run_id, a.codebook_hash,
       a.action_id, a.superseded_by_run, r.started_at, x.action, x.reviewer, x.at, x.action_id
FROM segments s
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
JOIN turns t ON t.document_id = s.document_id AND t.idx = s.turn_idx
LEFT JOIN applications a ON a.segment_id = s.id AND (
    a.superseded_by_run IS NULL
    OR EXISTS (SELECT 1 FROM live_decisions y WHERE y.application_id = a.id))
LEFT JOIN runs r ON r.id = a.run_id
LEFT JOIN live_decisions x ON x.id = (
    SELECT max(y.id) FROM live_decisions y WHERE y.application_id = a.id)
ORDER BY d.source, s.start, s.id, a.code_id, a.kind, a.source, a.id"""
SEGMENT_SPANS = """
SELECT s.id, s.start, s.end FROM segments s WHERE s.id = ?"""

# Keys to find documents by, read without touching the text column (the participant id comes
# from its index, so no row's text is read).
CURRENT_DOCUMENT_NAMES = "SELECT id, source, name FROM documents WHERE superseded_by IS NULL"
DOCUMENT_PARTICIPANTS = """
SELECT participant_id, id FROM documents INDEXED BY documents_participant
WHERE participant_id IS NOT NULL"""
CURRENT_DOCUMENT_BY_NAME = """
SELECT id FROM documents
WHERE superseded_by IS NULL
  AND (source = ? OR name = ? OR participant_id = ? OR name LIKE ? || '.%')
ORDER BY source"""


# learning from humans -------------------------------------------------------------------------
INSERT_REVIEW = """
INSERT INTO reviews (segment_id, reviewer, run_id, at, action_id)
VALUES (?, ?, ?, ?, (SELECT max(id) FROM temp.current_action))"""
NEWEST_DOCUMENT_RUN = "SELECT max(run_id) FROM documents WHERE superseded_by IS NULL"
RULE_CODES = """
SELECT segment_id, code_id, score, start, end FROM applications
WHERE kind = 'rule' AND superseded_by_run IS NULL AND codebook_hash = ?"""
SUPERSEDE_OTHER_MODELS = """
UPDATE applications SET superseded_by_run = ?
WHERE kind = ? AND superseded_by_run IS NULL AND source != ?"""
LATEST_RUN_OF_KIND = """
SELECT id, summary FROM runs WHERE kind = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"""
MODEL_SCORES = """
SELECT a.segment_id, a.code_id, a.score FROM applications a
JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.kind = 'model' AND a.superseded_by_run IS NULL"""

# topics ---------------------------------------------------------------------------------------
SEGMENT_CODES = """
SELECT a.segment_id, a.code_id FROM applications a
JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.superseded_by_run IS NULL AND a.kind IN ('rule', 'human', 'import', 'model')
  AND NOT EXISTS (SELECT 1 FROM live_decisions x
                  WHERE x.application_id = a.id AND x.action = 'reject')"""
ALL_ATTRIBUTES = "SELECT participant_id, name, value FROM attributes ORDER BY participant_id, name"
# every speaker label ever stored (superseded versions too): names the pseudonymiser replaces
SPEAKER_LABELS = "SELECT DISTINCT speaker FROM turns WHERE speaker IS NOT NULL ORDER BY speaker"
RUN_BY_ID = "SELECT kind, summary FROM runs WHERE id = ?"
SEGMENT_ROW = """
SELECT s.id, s.document_id, s.turn_idx, s.start, s.end FROM segments s
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL WHERE s.id = ?"""
SEGMENT_TEXT = """
SELECT substr(d.text, s.start + 1, s.end - s.start), d.participant_id, s.turn_idx
FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id = ?"""

# agreement between stored coders -------------------------------------------------------------
CODER_REVIEWS = """
SELECT r.segment_id, r.reviewer FROM live_reviews r
JOIN segments s ON s.id = r.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL"""
CODER_APPLICATIONS = """
SELECT a.segment_id, a.code_id, a.kind, a.source FROM applications a
JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.superseded_by_run IS NULL"""
CODER_DECISIONS = """
SELECT x.segment_id, x.code_id, x.reviewer, x.action FROM live_decisions x
JOIN segments s ON s.id = x.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
ORDER BY x.id"""

# spreadsheet review -------------------------------------------------------------------------
REVIEW_QUEUE = """
SELECT a.id, d.source, d.participant_id, s.turn_idx, a.code_id, a.kind, a.source, a.score,
       substr(d.text, a.start + 1, a.end - a.start), substr(d.text, s.start + 1, s.end - s.start),
       a.segment_id, coalesce(a.codebook_hash, '')
FROM applications a JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.superseded_by_run IS NULL AND a.kind IN ('rule', 'model', 'topic')
  AND NOT EXISTS (SELECT 1 FROM live_decisions x WHERE x.application_id = a.id)
ORDER BY d.source, s.start, a.code_id, a.kind, a.source"""
APPLICATION_FOR_REVIEW = """
SELECT a.id, a.segment_id, a.code_id, a.superseded_by_run,
       substr(d.text, s.start + 1, s.end - s.start),
       (SELECT count(*) FROM live_decisions x WHERE x.application_id = a.id)
FROM applications a JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id WHERE a.id = ?"""
# A suggestion's state for deciding it: (segment, code, superseded by run, live decisions).
APPLICATION_STATE = """
SELECT a.segment_id, a.code_id, a.kind, a.superseded_by_run,
       (SELECT count(*) FROM live_decisions x WHERE x.application_id = a.id)
FROM applications a WHERE a.id = ?"""
INSERT_DECISION = """
INSERT INTO decisions (application_id, segment_id, code_id, reviewer, action, note, at, action_id)
VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT max(id) FROM temp.current_action))"""

# the review app ------------------------------------------------------------------------------
QUEUE_APPLICATIONS = """
SELECT a.id, a.segment_id, a.code_id, a.kind, a.source, a.score, a.start, a.end,
       coalesce(a.codebook_hash, '')
FROM applications a JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.superseded_by_run IS NULL AND a.kind IN ('rule', 'model', 'topic')
  AND NOT EXISTS (SELECT 1 FROM live_decisions x WHERE x.application_id = a.id)"""
SEGMENTS_OF_CURRENT = """
SELECT s.id, s.document_id, s.turn_idx, s.start, s.end FROM segments s
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL"""
REVIEWED_BY = "SELECT DISTINCT segment_id FROM live_reviews WHERE reviewer = ?"
LIVE_MEMOS = """
SELECT m.id, m.segment_id, m.reviewer, m.text, m.at FROM live_marks m
WHERE m.kind = 'memo' ORDER BY m.id"""
SEGMENT_MEMOS = """
SELECT m.reviewer, m.text FROM live_marks m WHERE m.segment_id = ? AND m.kind = 'memo'
ORDER BY m.id"""
REVIEWER_PROGRESS = """
SELECT r.reviewer, count(DISTINCT r.segment_id) FROM live_reviews r GROUP BY r.reviewer"""
REVIEWER_MARKS = """
SELECT m.reviewer, m.kind, count(*) FROM live_marks m GROUP BY m.reviewer, m.kind"""
INSERT_MARK = """
INSERT INTO marks (segment_id, reviewer, kind, text, at, action_id)
VALUES (?, ?, ?, ?, ?, (SELECT max(id) FROM temp.current_action))"""
KEY_QUOTES = """
SELECT m.segment_id, m.kind FROM live_marks m WHERE m.kind IN ('key_quote', 'not_key_quote')
ORDER BY m.id"""
INSERT_RESOLUTION = """
INSERT INTO resolutions
    (segment_id, coder_a, coder_b, choice, codes, rationale, reviewer, at, action_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT max(id) FROM temp.current_action))"""
RESOLUTIONS = "SELECT segment_id, codes FROM live_resolutions ORDER BY id"
RATIONALES = """
SELECT segment_id, reviewer, rationale, at FROM live_resolutions WHERE rationale != ''
ORDER BY id"""
SEGMENT_DECISION_IDS_BY = """
SELECT application_id, action, code_id, id FROM live_decisions
WHERE segment_id = ? AND reviewer = ? ORDER BY id"""
SEGMENT_DECISIONS_BY = """
SELECT application_id, action, code_id FROM live_decisions
WHERE segment_id = ? AND reviewer = ? ORDER BY id"""
RULE_EVIDENCE = """
SELECT a.segment_id, a.code_id, a.start, a.end FROM applications a
JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.kind = 'rule' AND a.superseded_by_run IS NULL ORDER BY a.start DESC"""

STATUS_APPLICATIONS = """
SELECT a.kind, count(*) FROM applications a JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.superseded_by_run IS NULL GROUP BY a.kind ORDER BY a.kind"""
STATUS_DECISIONS = (
    "SELECT reviewer, count(*) FROM live_decisions GROUP BY reviewer ORDER BY reviewer"
)
STATUS_RESOLVED = "SELECT count(DISTINCT segment_id) FROM live_resolutions"

# the methods appendix -----------------------------------------------------------------------
# The latest decision of each (segment, code) with the kind of suggestion it was made on.
DECISIONS_BY_KIND = """
SELECT x.segment_id, x.code_id, x.action, coalesce(a.kind, '')
FROM live_decisions x
JOIN (SELECT segment_id, code_id, max(id) AS last FROM live_decisions
      GROUP BY segment_id, code_id) l ON l.last = x.id
LEFT JOIN applications a ON a.id = x.application_id"""
RUNS_OF_KIND = (
    "SELECT started_at, summary FROM runs WHERE kind = ? AND finished_at IS NOT NULL ORDER BY id"
)
MARK_COUNTS = """
SELECT kind, count(*) FROM live_marks
GROUP BY kind"""
INTERVIEWER_SEGMENTS = """
SELECT s.id FROM segments s
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
JOIN turns t ON t.document_id = s.document_id AND t.idx = s.turn_idx
WHERE t.role != 'participant'"""
# the review server: the next segment for one reviewer, and one segment's undecided suggestions
NEXT_FOR_REVIEWER = """
SELECT a.id, a.segment_id, a.code_id, a.kind, a.source, a.score, a.start, a.end,
       coalesce(a.codebook_hash, ''), s.document_id, s.turn_idx, s.start, s.end
FROM applications a JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.superseded_by_run IS NULL AND a.kind IN ('rule', 'model', 'topic')
  AND NOT EXISTS (SELECT 1 FROM live_decisions x WHERE x.application_id = a.id)
  AND NOT EXISTS (SELECT 1 FROM live_reviews r
                  WHERE r.segment_id = a.segment_id AND r.reviewer = ?)
ORDER BY d.source, s.start, a.start, a.code_id"""
# Every current machine suggestion on one segment, with its live decision (if any) and who made it.
SEGMENT_SUGGESTIONS = """
SELECT a.id, a.segment_id, a.code_id, a.kind, a.source, a.score, a.start, a.end,
       coalesce(a.codebook_hash, ''), x.action, x.reviewer, x.at
FROM applications a
LEFT JOIN live_decisions x ON x.application_id = a.id
WHERE a.segment_id = ? AND a.superseded_by_run IS NULL AND a.kind IN ('rule', 'model', 'topic')
ORDER BY a.start, a.code_id, x.id"""
LIVE_DECISIONS = """
SELECT id, application_id, segment_id, code_id, reviewer, action FROM live_decisions ORDER BY id"""
UNDECIDED_ON_SEGMENT = """
SELECT a.id, a.segment_id, a.code_id, a.kind, a.source, a.score, a.start, a.end,
       coalesce(a.codebook_hash, '')
FROM applications a
WHERE a.segment_id = ? AND a.superseded_by_run IS NULL AND a.kind IN ('rule', 'model', 'topic')
  AND NOT EXISTS (SELECT 1 FROM live_decisions x WHERE x.application_id = a.id)"""
# Every current machine suggestion in review order, and whether it is still undecided: the queue
# a server keeps between writes.
QUEUE_STATE = """
SELECT a.segment_id, s.document_id, a.kind, coalesce(a.codebook_hash, ''),
       NOT EXISTS (SELECT 1 FROM live_decisions x WHERE x.application_id = a.id), a.code_id
FROM applications a JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.superseded_by_run IS NULL AND a.kind IN ('rule', 'model', 'topic')
ORDER BY d.source, s.start"""
DATA_VERSION = "PRAGMA data_version"
COUNT_WAITING_FOR = """
SELECT count(DISTINCT a.segment_id) FROM applications a
JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.superseded_by_run IS NULL AND a.kind IN ('rule', 'model', 'topic')
  AND NOT EXISTS (SELECT 1 FROM live_decisions x WHERE x.application_id = a.id)
  AND NOT EXISTS (SELECT 1 FROM live_reviews r
                  WHERE r.segment_id = a.segment_id AND r.reviewer = ?)"""


# actions: one key press, form post or import; undone whole -----------------------------------
CREATE_CURRENT_ACTION = "CREATE TEMP TABLE IF NOT EXISTS current_action (id INTEGER)"
SET_CURRENT_ACTION = "INSERT INTO temp.current_action (id) VALUES (?)"
CLEAR_CURRENT_ACTION = "DELETE FROM temp.current_action"
INSERT_ACTION = """
INSERT INTO actions (who, kind, mode, via, segment_id, at) VALUES (?, ?, ?, ?, ?, ?)"""
# A person's latest key press or form post not undone that still stands for something (rows it
# stored); imports and spreadsheets are not undone by a key.
LAST_LIVE_ACTION = """
SELECT a.id, a.kind, coalesce(a.segment_id, '') FROM actions a
WHERE a.who = ? AND a.via IN ('terminal', 'browser')
  AND a.id NOT IN (SELECT action_id FROM undone_actions)
  AND (EXISTS (SELECT 1 FROM live_decisions x WHERE x.action_id = a.id)
       OR EXISTS (SELECT 1 FROM live_marks m WHERE m.action_id = a.id)
       OR EXISTS (SELECT 1 FROM live_reviews r WHERE r.action_id = a.id)
       OR EXISTS (SELECT 1 FROM live_resolutions z WHERE z.action_id = a.id))
ORDER BY a.id DESC LIMIT 1"""
UNDO_ACTION = "INSERT INTO undone_actions (action_id, who, at) VALUES (?, ?, ?)"
ACTION_SEGMENTS = """
SELECT DISTINCT segment_id FROM decisions WHERE action_id = ?
UNION SELECT segment_id FROM marks WHERE action_id = ?
UNION SELECT segment_id FROM reviews WHERE action_id = ?
UNION SELECT segment_id FROM resolutions WHERE action_id = ?"""
ACTIONS_LOG = """
SELECT a.id, a.who, a.kind, a.mode, a.via, a.at, u.at IS NOT NULL,
       (SELECT count(*) FROM decisions x WHERE x.action_id = a.id),
       (SELECT count(*) FROM marks m WHERE m.action_id = a.id),
       (SELECT count(*) FROM reviews r WHERE r.action_id = a.id),
       (SELECT count(*) FROM resolutions z WHERE z.action_id = a.id)
FROM actions a LEFT JOIN undone_actions u ON u.action_id = a.id
ORDER BY a.id"""
# the record: each person's layer ----------------------------------------------------------
# Every live decision with the kind of suggestion it was on ('' for a code a person gave
# without one) and the mode of the action that stored it ('' before actions were recorded).
RECORD_DECISIONS = """
SELECT x.id, x.segment_id, x.code_id, x.reviewer, x.action, coalesce(a.kind, ''),
       coalesce(t.mode, ''), x.application_id, x.at, x.action_id, x.note
FROM live_decisions x
JOIN segments s ON s.id = x.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
LEFT JOIN applications a ON a.id = x.application_id
LEFT JOIN actions t ON t.id = x.action_id
ORDER BY x.id"""
RECORD_REVIEWS = """
SELECT r.segment_id, r.reviewer, coalesce(t.mode, '') FROM live_reviews r
JOIN segments s ON s.id = r.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
LEFT JOIN actions t ON t.id = r.action_id"""
RECORD_IMPORTS = """
SELECT a.id, a.segment_id, a.code_id, a.kind, a.source, a.run_id, r.started_at FROM applications a
JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
LEFT JOIN runs r ON r.id = a.run_id
WHERE a.kind IN ('human', 'import') AND a.superseded_by_run IS NULL"""
RECORD_RESOLUTIONS = """
SELECT z.segment_id, z.codes, z.reviewer, z.coder_a, z.coder_b, z.at FROM live_resolutions z
JOIN segments s ON s.id = z.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
ORDER BY z.id"""
# Every current machine suggestion (decided or not) by segment: what a reviewer has to decide.
SHOWN_SUGGESTIONS = """
SELECT a.id, a.segment_id, a.kind, coalesce(a.codebook_hash, ''), a.code_id FROM applications a
JOIN segments s ON s.id = a.segment_id
JOIN documents d ON d.id = s.document_id AND d.superseded_by IS NULL
WHERE a.superseded_by_run IS NULL AND a.kind IN ('rule', 'model', 'topic')"""
# The audit entry of one write: the highest row ids before it, then the rows it added (the
# applications' mark is given twice: codings, then suggestions).
AUDIT_HIGH_MARKS = """
SELECT (SELECT coalesce(max(id), 0) FROM documents),
       (SELECT coalesce(max(id), 0) FROM applications),
       (SELECT coalesce(max(id), 0) FROM decisions), (SELECT coalesce(max(id), 0) FROM reviews),
       (SELECT coalesce(max(id), 0) FROM marks), (SELECT coalesce(max(id), 0) FROM resolutions)"""
AUDIT_NEW_ROWS = """
SELECT (SELECT count(*) FROM documents WHERE id > ?),
       (SELECT count(*) FROM applications WHERE id > ? AND kind IN ('human', 'import')),
       (SELECT count(*) FROM applications WHERE id > ? AND kind IN ('rule', 'model', 'topic')),
       (SELECT count(*) FROM decisions WHERE id > ?), (SELECT count(*) FROM reviews WHERE id > ?),
       (SELECT count(*) FROM marks WHERE id > ?),
       (SELECT count(*) FROM resolutions WHERE id > ?)"""
# The action that stored each live reconcile resolution, oldest first (the export's action column).
RESOLUTION_ACTIONS = "SELECT segment_id, action_id FROM live_resolutions ORDER BY id"

# framework summaries (migration 13): each cell's latest live row is its summary
INSERT_SUMMARY = """
INSERT INTO summaries (participant_id, code, text, author, draft, at, action_id)
VALUES (?, ?, ?, ?, ?, ?, ?)"""
CURRENT_SUMMARIES = """
SELECT s.participant_id, s.code, s.text, s.author, s.draft, s.at, s.action_id
FROM live_summaries s
WHERE s.id = (SELECT max(id) FROM live_summaries t
              WHERE t.participant_id = s.participant_id AND t.code = s.code)
  AND s.text != ''
ORDER BY s.participant_id, s.code"""
# Text search (qualcode.store.search): the turns the full-text index finds for a query, or every
# turn when the query cannot be put to the index; role '' = every speaker.
SEARCH_ROWID = 1048576  # a turn's row id in turn_search: document id * SEARCH_ROWID + turn index
# (unordered: the caller orders by document; the index holds current documents' turns only, and
# neither statement reads a document's row, whose text would be read with it)
SEARCH_TURNS = """
SELECT t.document_id, t.idx, t.start, t.end, t.role
FROM turn_search f
JOIN turns t ON t.document_id = f.rowid / 1048576 AND t.idx = f.rowid % 1048576
WHERE turn_search MATCH ? AND (? = '' OR t.role = ?)"""
SCAN_TURNS = """
SELECT t.document_id, t.idx, t.start, t.end, t.role FROM turns t
WHERE t.document_id IN (SELECT id FROM documents INDEXED BY documents_current
                        WHERE superseded_by IS NULL)
  AND (? = '' OR t.role = ?)"""
# the texts of the documents holding those turns, each read once (not once per turn)
SEARCH_TEXTS = """
SELECT id, text FROM documents WHERE superseded_by IS NULL
AND id IN (SELECT rowid / 1048576 FROM turn_search WHERE turn_search MATCH ?)"""
SCAN_TEXTS = "SELECT id, text FROM documents WHERE superseded_by IS NULL"
# what a search shows of each current document, read without touching its text (the columns
# after it, participant_id and superseded_by, come from indexes)
SEARCH_DOCUMENTS = """
SELECT id, name, sha256, source FROM documents INDEXED BY documents_current
WHERE superseded_by IS NULL"""
SEARCH_TERMS = "SELECT term FROM turn_search_terms"
SEARCH_INDEX_SIZE = "SELECT count(*) FROM turn_search"
SEARCH_REBUILD = "INSERT INTO turn_search (turn_search) VALUES ('rebuild')"
SEARCH_CHECK = "INSERT INTO turn_search (turn_search, rank) VALUES ('integrity-check', 1)"

# Backups and restores (qualcode.store.backup).
INTEGRITY_CHECK = "PRAGMA integrity_check"
COUNT_DECISIONS = "SELECT count(*) FROM decisions"
JOURNAL_DELETE = "PRAGMA journal_mode = DELETE"
JOURNAL_WAL = "PRAGMA journal_mode = WAL"
BEGIN_EXCLUSIVE = "BEGIN EXCLUSIVE"
CHECKPOINT_TRUNCATE = "PRAGMA wal_checkpoint(TRUNCATE)"
ROLLBACK = "ROLLBACK"
