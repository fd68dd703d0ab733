-- Mask Kiosk site database, version 1: what every kiosk ships, read by staff review.
-- Applied by `npm run site -- migrate` as the database owner; kiosks and reviewers never change it.

CREATE TABLE site_schema (version integer NOT NULL);
INSERT INTO site_schema (version) VALUES (0);

-- One row per violation a kiosk logged. The id is the kiosk's own UUID for it, so a retry never
-- duplicates; kiosk_id is the kiosk's login role, which row-level security checks.
CREATE TABLE kiosk_events (
  id uuid PRIMARY KEY,
  kiosk_id text NOT NULL DEFAULT current_user,
  kiosk_name text NOT NULL,
  at timestamptz NOT NULL,
  tz_offset_min smallint NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('no_mask', 'incorrect')),
  confidence real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  model_id text NOT NULL,
  camera_id text NOT NULL,
  shipped_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kiosk_events_at ON kiosk_events (at DESC, id DESC);
CREATE INDEX kiosk_events_kiosk_at ON kiosk_events (kiosk_id, at DESC, id DESC);

-- Checks and violations per closed hour, so the compliance rate per entrance is real.
CREATE TABLE kiosk_hours (
  id uuid PRIMARY KEY,
  kiosk_id text NOT NULL DEFAULT current_user,
  hour timestamptz NOT NULL,
  tz_offset_min smallint NOT NULL,
  checks integer NOT NULL CHECK (checks >= 0),
  violations integer NOT NULL CHECK (violations >= 0 AND violations <= checks),
  shipped_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kiosk_id, hour)
);
CREATE INDEX kiosk_hours_hour ON kiosk_hours (hour, kiosk_id);

-- Every 30 s from every kiosk that can reach the database.
CREATE TABLE kiosk_heartbeats (
  kiosk_id text NOT NULL DEFAULT current_user,
  kiosk_name text NOT NULL,
  at timestamptz NOT NULL,
  state text NOT NULL,
  fps real NOT NULL,
  model text,
  provider text,
  camera text NOT NULL,
  version text NOT NULL,
  queued integer NOT NULL,
  shipped_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kiosk_heartbeats_kiosk_at ON kiosk_heartbeats (kiosk_id, at DESC);

-- Least privilege. Kiosk logins are members of mask_kiosk: they may insert their own rows and
-- nothing else (no update, no delete, no reading others). Reviewer logins are members of
-- mask_reviewer: they may only read. Roles are cluster-wide, so they may exist already.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mask_kiosk') THEN CREATE ROLE mask_kiosk NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mask_reviewer') THEN CREATE ROLE mask_reviewer NOLOGIN; END IF;
END $$;

REVOKE ALL ON site_schema, kiosk_events, kiosk_hours, kiosk_heartbeats FROM PUBLIC;
GRANT SELECT ON site_schema TO mask_kiosk, mask_reviewer;
GRANT INSERT ON kiosk_events, kiosk_hours, kiosk_heartbeats TO mask_kiosk;
-- INSERT … ON CONFLICT (id) DO NOTHING, which makes a retried batch harmless, must see whether an
-- id exists: kiosks may read the id column, and row-level security limits that to their own rows.
GRANT SELECT (id) ON kiosk_events, kiosk_hours TO mask_kiosk;
GRANT SELECT ON kiosk_events, kiosk_hours, kiosk_heartbeats TO mask_reviewer;

ALTER TABLE kiosk_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE kiosk_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE kiosk_heartbeats ENABLE ROW LEVEL SECURITY;
CREATE POLICY kiosk_inserts_own ON kiosk_events FOR INSERT TO mask_kiosk WITH CHECK (kiosk_id = current_user);
CREATE POLICY kiosk_inserts_own ON kiosk_hours FOR INSERT TO mask_kiosk WITH CHECK (kiosk_id = current_user);
CREATE POLICY kiosk_inserts_own ON kiosk_heartbeats FOR INSERT TO mask_kiosk WITH CHECK (kiosk_id = current_user);
CREATE POLICY kiosk_sees_own_ids ON kiosk_events FOR SELECT TO mask_kiosk USING (kiosk_id = current_user);
CREATE POLICY kiosk_sees_own_ids ON kiosk_hours FOR SELECT TO mask_kiosk USING (kiosk_id = current_user);
CREATE POLICY reviewer_reads ON kiosk_events FOR SELECT TO mask_reviewer USING (true);
CREATE POLICY reviewer_reads ON kiosk_hours FOR SELECT TO mask_reviewer USING (true);
CREATE POLICY reviewer_reads ON kiosk_heartbeats FOR SELECT TO mask_reviewer USING (true);
