"""The schema SQL of the numbered migrations; storage.py applies them (and is the only module that opens SQLite)."""

SCHEMA_0001 = """
CREATE TABLE workshop (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 4 AND 12),
    title TEXT NOT NULL CHECK (length(trim(title)) BETWEEN 1 AND 200),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    language TEXT NOT NULL DEFAULT 'en' CHECK (length(language) BETWEEN 2 AND 10),
    country TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finished', 'anonymised')),
    allow_anonymous INTEGER NOT NULL DEFAULT 1 CHECK (allow_anonymous IN (0, 1)),
    max_priorities_per_participant INTEGER NOT NULL DEFAULT 5
        CHECK (max_priorities_per_participant BETWEEN 1 AND 50),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE theme (
    id INTEGER PRIMARY KEY,
    workshop_id INTEGER NOT NULL REFERENCES workshop(id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 80),
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (workshop_id, name)
);

CREATE TABLE profile_question (
    id INTEGER PRIMARY KEY,
    workshop_id INTEGER NOT NULL REFERENCES workshop(id) ON DELETE CASCADE,
    key TEXT NOT NULL CHECK (key GLOB '[a-z]*' AND length(key) <= 40),
    label TEXT NOT NULL CHECK (length(trim(label)) BETWEEN 1 AND 200),
    options TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(options)),
    required INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (workshop_id, key)
);

CREATE TABLE question (
    id INTEGER PRIMARY KEY,
    workshop_id INTEGER NOT NULL REFERENCES workshop(id) ON DELETE CASCADE,
    prompt TEXT NOT NULL CHECK (length(trim(prompt)) BETWEEN 1 AND 500),
    position INTEGER NOT NULL DEFAULT 0,
    phase TEXT NOT NULL DEFAULT 'draft'
        CHECK (phase IN ('draft', 'collecting', 'voting', 'closed')),
    dots_per_participant INTEGER NOT NULL DEFAULT 5 CHECK (dots_per_participant BETWEEN 1 AND 100),
    max_dots_per_item INTEGER NOT NULL DEFAULT 3
        CHECK (max_dots_per_item >= 1 AND max_dots_per_item <= dots_per_participant),
    results_visibility TEXT NOT NULL DEFAULT 'hidden'
        CHECK (results_visibility IN ('hidden', 'live', 'revealed')),
    phase_deadline TEXT,
    phase_changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (workshop_id, position)
);

CREATE TABLE participant (
    id INTEGER PRIMARY KEY,
    workshop_id INTEGER NOT NULL REFERENCES workshop(id) ON DELETE CASCADE,
    token TEXT UNIQUE CHECK (token IS NULL OR length(token) >= 22),
    display_name TEXT CHECK (display_name IS NULL OR length(display_name) <= 80),
    kind TEXT NOT NULL DEFAULT 'phone' CHECK (kind IN ('phone', 'paper')),
    profile TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(profile)),
    language TEXT,
    joined_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX participant_workshop ON participant(workshop_id);

CREATE TABLE priority (
    id INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES question(id) ON DELETE CASCADE,
    participant_id INTEGER REFERENCES participant(id) ON DELETE SET NULL,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 3 AND 280),
    details TEXT NOT NULL DEFAULT '' CHECK (length(details) <= 2000),
    theme_id INTEGER REFERENCES theme(id) ON DELETE SET NULL,
    state TEXT NOT NULL DEFAULT 'visible' CHECK (state IN ('visible', 'hidden', 'merged')),
    merged_into_id INTEGER REFERENCES priority(id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((state = 'merged') = (merged_into_id IS NOT NULL))
);
CREATE INDEX priority_question ON priority(question_id, state);
CREATE INDEX priority_author ON priority(participant_id);

-- One row per dot, so every dot has its own history and the budget is a COUNT.
CREATE TABLE dot (
    id INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES question(id) ON DELETE CASCADE,
    priority_id INTEGER NOT NULL REFERENCES priority(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participant(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX dot_budget ON dot(question_id, participant_id);
CREATE INDEX dot_priority ON dot(priority_id, participant_id);

CREATE TABLE user (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE CHECK (username GLOB '[a-z0-9]*' AND length(username) BETWEEN 3 AND 40),
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$2%'),
    role TEXT NOT NULL CHECK (role IN ('facilitator', 'organiser')),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Append-only: triggers refuse UPDATE and DELETE (migration 0003 lets an UPDATE redact details).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    workshop_id INTEGER,
    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
);
CREATE INDEX audit_workshop ON audit_log(workshop_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""

# One row per merge: what it changed, so undo can put back the same rows. dots_moved holds the moved dot
# ids, dots_deleted the full rows of the dots the cap sent back, redirected the priorities that had been
# merged into the duplicate; dots_after fingerprints the question's dots right after the merge.
SCHEMA_0005 = """
CREATE TABLE merge_record (
    id INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES question(id) ON DELETE CASCADE,
    source_id INTEGER NOT NULL REFERENCES priority(id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES priority(id) ON DELETE CASCADE,
    source_state TEXT NOT NULL CHECK (source_state IN ('visible', 'hidden')),
    redirected TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(redirected)),
    dots_moved TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(dots_moved)),
    dots_deleted TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(dots_deleted)),
    dots_after TEXT NOT NULL,
    actor TEXT NOT NULL,
    merged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    undone_at TEXT
);
CREATE INDEX merge_record_question ON merge_record(question_id, undone_at);

-- A suggested pair the facilitator said is not a duplicate; first_id < second_id.
CREATE TABLE duplicate_dismissal (
    first_id INTEGER NOT NULL REFERENCES priority(id) ON DELETE CASCADE,
    second_id INTEGER NOT NULL REFERENCES priority(id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    dismissed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (first_id, second_id),
    CHECK (first_id < second_id)
);
"""

# Who may join: a seat mode (open, one-time seat codes, a registration list), a cap, a joining switch,
# closing joining when voting opens, and whether a shared phone may switch person. A seat is claimed once:
# participant_id is unique among live seats, so two browsers can never hold one seat. A voided seat keeps its
# row (and participant) for the record; a reissued seat carries the same participant on to a fresh code.
# name, email and code are personal data or credentials: anonymising sets them to NULL.
SCHEMA_0006 = """
ALTER TABLE workshop ADD COLUMN seat_mode TEXT NOT NULL DEFAULT 'open'
    CHECK (seat_mode IN ('open', 'codes', 'registered'));
ALTER TABLE workshop ADD COLUMN joining_open INTEGER NOT NULL DEFAULT 1 CHECK (joining_open IN (0, 1));
ALTER TABLE workshop ADD COLUMN close_joining_on_voting INTEGER NOT NULL DEFAULT 0
    CHECK (close_joining_on_voting IN (0, 1));
ALTER TABLE workshop ADD COLUMN participant_cap INTEGER CHECK (participant_cap IS NULL OR participant_cap >= 1);
ALTER TABLE workshop ADD COLUMN allow_shared_device INTEGER NOT NULL DEFAULT 0 CHECK (allow_shared_device IN (0, 1));
CREATE TABLE seat (
    id INTEGER PRIMARY KEY,
    workshop_id INTEGER NOT NULL REFERENCES workshop(id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('code', 'registered')),
    code TEXT UNIQUE CHECK (code IS NULL OR length(code) = 8),
    name TEXT CHECK (name IS NULL OR length(name) <= 80),
    email TEXT CHECK (email IS NULL OR length(email) <= 254),
    profile TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(profile)),
    participant_id INTEGER REFERENCES participant(id) ON DELETE SET NULL,
    claimed_at TEXT,
    voided_at TEXT,
    reissued_from INTEGER REFERENCES seat(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX seat_workshop ON seat(workshop_id, number);
CREATE UNIQUE INDEX seat_live_number ON seat(workshop_id, number) WHERE voided_at IS NULL;
CREATE UNIQUE INDEX seat_live_participant ON seat(participant_id) WHERE voided_at IS NULL AND participant_id IS NOT NULL;
CREATE INDEX participant_joined ON participant(workshop_id, joined_at);
"""

# Staff logins slow down instead of locking: the column says when the next password check of a username may
# run (components/auth.reserve_login_check); failed_logins keeps counting wrong passwords in a row.
SCHEMA_0007 = """
ALTER TABLE user RENAME COLUMN locked_until TO next_login_check_at;
"""

# The network's membership mix per workshop: members (a count, or a share in per cent) per country and per
# organisation type, as the organiser entered or imported it. Figures about the network, not about a person;
# one unit per workshop and dimension (the code replaces a dimension's rows whole).
SCHEMA_0008 = """
CREATE TABLE membership (
    workshop_id INTEGER NOT NULL REFERENCES workshop(id) ON DELETE CASCADE,
    dimension TEXT NOT NULL CHECK (dimension IN ('country', 'org_type')),
    group_name TEXT NOT NULL CHECK (length(trim(group_name)) BETWEEN 1 AND 200),
    unit TEXT NOT NULL CHECK (unit IN ('count', 'share')),
    amount REAL NOT NULL CHECK (amount > 0),
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workshop_id, dimension, group_name)
);
"""

# Where a priority came from: typed in during the workshop (by a participant or for the room) or imported
# from a survey held before it. Moderators and exports show "from the survey", never a participant.
SCHEMA_0009 = """
ALTER TABLE priority ADD COLUMN source TEXT NOT NULL DEFAULT 'live' CHECK (source IN ('live', 'survey'));
"""

# One row that `components.cli status` rewrites to time a real commit through the shared writer lock.
SCHEMA_0011 = "CREATE TABLE ops_probe (id INTEGER PRIMARY KEY CHECK (id = 1), probed_at TEXT NOT NULL)"
