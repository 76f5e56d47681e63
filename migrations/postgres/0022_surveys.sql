-- Surveys to residents, who has answered them, and the answers.
-- Anonymity: an anonymous survey's response row carries no person, unit or
-- time (only its building, for the response rate by building), and
-- `survey_participants` says only who has answered (one answer each, and
-- the reminders): no column or key joins a participant to a response.
-- The response and answer tables are keyed by random ids (SQLite: WITHOUT
-- ROWID), so not even the order rows were written in is kept by them.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0022_surveys.sql.
CREATE TABLE surveys (
    id UUID PRIMARY KEY,
    title TEXT NOT NULL,
    intro TEXT NOT NULL,
    -- domain::survey::Question list as JSON; frozen once published.
    questions JSONB NOT NULL,
    -- domain::mailing::Audience as JSON.
    audience JSONB NOT NULL,
    anonymous BOOLEAN NOT NULL,
    -- domain::survey::OnePer: resident | unit.
    one_per TEXT NOT NULL,
    -- domain::survey::SurveyStatus: draft | published | closed.
    status TEXT NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ,
    closes_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    -- The run it was copied from (results are compared with it).
    previous_id UUID REFERENCES surveys (id) ON DELETE SET NULL
);
CREATE INDEX surveys_created ON surveys (created_at);
CREATE INDEX surveys_status ON surveys (status);

-- Who has answered: a person (one_per = resident: respondent = client_id)
-- or a unit (one_per = unit: respondent = unit_id). The primary key is the
-- "one answer each" rule, also under concurrent submits.
CREATE TABLE survey_participants (
    survey_id UUID NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    respondent UUID NOT NULL,
    client_id UUID NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (survey_id, respondent)
);
CREATE INDEX survey_participants_client ON survey_participants (client_id);

CREATE TABLE survey_responses (
    id UUID PRIMARY KEY,
    survey_id UUID NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    building_id UUID REFERENCES buildings (id) ON DELETE SET NULL,
    -- The rest only for a named survey; NULL for an anonymous one.
    client_id UUID REFERENCES clients (id) ON DELETE SET NULL,
    unit_id UUID REFERENCES units (id) ON DELETE SET NULL,
    -- The person's link to the unit: owner | tenant | occupant.
    relation TEXT,
    created_at TIMESTAMPTZ
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, building_id);

-- One row per number given (a `multiple` answer has one per choice) or per
-- text; `number` is the choice index, the mark, the score or 1 / 0 (0 beside
-- a text).
CREATE TABLE survey_answers (
    response_id UUID NOT NULL REFERENCES survey_responses (id) ON DELETE CASCADE,
    survey_id UUID NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    question_id UUID NOT NULL,
    number BIGINT NOT NULL,
    text TEXT,
    PRIMARY KEY (response_id, question_id, number)
);
CREATE INDEX survey_answers_question ON survey_answers (survey_id, question_id, number);
