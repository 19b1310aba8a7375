-- The first schema: everything the store keeps. Each record is kept whole as jsonb (validated by the app's domain
-- schemas on the way in and out, as the embedded store does), with the columns that queries look up beside it.

CREATE TABLE curricula (
  id text PRIMARY KEY,
  organisation_id uuid,
  -- Optimistic concurrency: an edit is UPDATE ... WHERE id = $1 AND version = $2.
  version integer NOT NULL CHECK (version >= 1),
  updated_at timestamptz NOT NULL,
  body jsonb NOT NULL
);
-- The list of an organisation's curricula, most recently updated first.
CREATE INDEX curricula_by_organisation ON curricula (organisation_id, updated_at DESC, id);

CREATE TABLE organisations (
  id uuid PRIMARY KEY,
  body jsonb NOT NULL
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  -- Lower case (the domain schema makes it so): one account per email.
  email text NOT NULL UNIQUE,
  body jsonb NOT NULL
);
-- The members of an organisation: body->'memberships' @> '[{"organisationId": ...}]'.
CREATE INDEX users_by_membership ON users USING gin ((body -> 'memberships') jsonb_path_ops);

CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id uuid NOT NULL,
  body jsonb NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL,
  body jsonb NOT NULL
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE invitations (
  id uuid PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  organisation_id uuid NOT NULL,
  body jsonb NOT NULL
);
CREATE INDEX invitations_by_organisation ON invitations (organisation_id);

CREATE TABLE share_links (
  id uuid PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  curriculum_id text NOT NULL,
  body jsonb NOT NULL
);
CREATE INDEX share_links_by_curriculum ON share_links (curriculum_id);

CREATE TABLE audit_events (
  -- The order events were recorded in (timestamps of two instances may tie or disagree slightly).
  seq bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  organisation_id uuid,
  action text NOT NULL,
  body jsonb NOT NULL
);
CREATE INDEX audit_events_by_organisation ON audit_events (organisation_id, seq DESC);
