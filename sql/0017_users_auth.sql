-- People and permissions: user accounts (password + one-time code), login sessions with rotating
-- refresh tokens, and an audit log. Secrets are never stored in the clear: passwords as scrypt
-- hashes, one-time codes and refresh tokens as keyed/SHA-256 digests.
CREATE TABLE users (
  id             text PRIMARY KEY,
  email          text NOT NULL,
  phone          text,
  name           text NOT NULL,
  password_hash  text NOT NULL,
  role           text NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'ranger', 'manager', 'admin')),
  -- pending: registered, code not yet verified; awaiting_approval: verified, an admin has not let
  -- it in yet (self-registered accounts see nothing until then); active; disabled.
  status         text NOT NULL CHECK (status IN ('pending', 'awaiting_approval', 'active', 'disabled')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  last_login_at  timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- One-time codes: 6 digits, single use, 10 minutes, 5 attempts; a new code for the same purpose
-- replaces the old one.
CREATE TABLE user_otps (
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('register', 'login')),
  code_hash   text NOT NULL,
  expires_at  timestamptz NOT NULL,
  attempts    integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, purpose)
);

-- A login session is one refresh-token family: every refresh rotates the token inside it; presenting
-- a token that was already rotated away (reuse) revokes the whole session. Access tokens carry the
-- session id, so logout and revocation end them too.
CREATE TABLE user_sessions (
  id             text PRIMARY KEY,
  user_id        text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  revoked_at     timestamptz,
  revoked_reason text,
  ip             text,
  user_agent     text
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);

CREATE TABLE refresh_tokens (
  token_hash   text PRIMARY KEY,
  session_id   text NOT NULL REFERENCES user_sessions (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  rotated_at   timestamptz -- set when exchanged for a new token; presenting it again is reuse
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE audit_log (
  id       text PRIMARY KEY,
  ts       timestamptz NOT NULL DEFAULT now(),
  action   text NOT NULL,   -- login, login_failed, role_change, token_mint, token_revoke, ...
  actor    text,            -- who did it (user id, admin-token, device), null when unknown
  target   text,            -- whom or what it was done to
  ip       text,
  detail   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_ts_idx ON audit_log (ts DESC, id DESC);
