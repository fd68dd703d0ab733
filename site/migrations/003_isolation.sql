-- Version 3: no login can occupy, see or shadow another's rows; the site's logins reach only this
-- database; nothing unbounded gets in.

-- Rows are keyed by kiosk and id. With the id alone as the key, a kiosk could insert another
-- kiosk's (predictable) hour ids first, so that the other's inserts were silently ignored, and
-- learn from a conflict whether the other had shipped an hour. Kiosks insert ON CONFLICT
-- (kiosk_id, id) and can only ever meet their own rows.
ALTER TABLE public.kiosk_events DROP CONSTRAINT kiosk_events_pkey, ADD PRIMARY KEY (kiosk_id, id);
ALTER TABLE public.kiosk_hours DROP CONSTRAINT kiosk_hours_pkey, ADD PRIMARY KEY (kiosk_id, id);
-- ON CONFLICT reads the key's columns; row-level security still shows a kiosk only its own rows.
GRANT SELECT (kiosk_id) ON public.kiosk_events, public.kiosk_hours TO mask_kiosk;

-- The logins of this site. Roles are cluster-wide: without this list a kiosk login made for one
-- site's database could write into another site's database on the same cluster.
CREATE TABLE public.site_logins (
  login name PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('kiosk', 'reviewer'))
);
REVOKE ALL ON public.site_logins FROM PUBLIC;
GRANT SELECT ON public.site_logins TO mask_kiosk, mask_reviewer;
ALTER TABLE public.site_logins ENABLE ROW LEVEL SECURITY;
CREATE POLICY sees_itself ON public.site_logins FOR SELECT TO mask_kiosk, mask_reviewer USING (login = current_user);

-- Logins made before this version, when a site in use is upgraded: the kiosks that have shipped
-- here, and every member of the reviewer role (which leaves no rows to tell by). On a cluster
-- shared by several sites, remove other sites' reviewers here (docs/SITE.md). A new database
-- (no rows yet) starts with none: site/add-*.sql register each login.
INSERT INTO public.site_logins (login, kind)
SELECT DISTINCT r.rolname, 'kiosk'
FROM pg_catalog.pg_roles r
JOIN pg_catalog.pg_auth_members a ON a.member = r.oid
JOIN pg_catalog.pg_roles g ON g.oid = a.roleid AND g.rolname = 'mask_kiosk'
WHERE r.rolname IN (SELECT kiosk_id FROM public.kiosk_events UNION SELECT kiosk_id FROM public.kiosk_hours
                    UNION SELECT kiosk_id FROM public.kiosk_heartbeats);
INSERT INTO public.site_logins (login, kind)
SELECT r.rolname, 'reviewer'
FROM pg_catalog.pg_roles r
JOIN pg_catalog.pg_auth_members a ON a.member = r.oid
JOIN pg_catalog.pg_roles g ON g.oid = a.roleid AND g.rolname = 'mask_reviewer'
WHERE EXISTS (SELECT FROM public.site_logins)
ON CONFLICT (login) DO NOTHING;

-- Makes a login part of this site: listed, and allowed to connect to this database (and no other
-- that keeps PUBLIC out). Run by site/add-kiosk.sql and site/add-reviewer.sql as the owner.
CREATE FUNCTION public.site_register_login(login name, kind text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO public.site_logins (login, kind) VALUES (login, kind);
  EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO %I', pg_catalog.current_database(), login);
END $$;
REVOKE ALL ON FUNCTION public.site_register_login(name, text) FROM PUBLIC;

DO $$
DECLARE l record;
BEGIN
  -- Nobody but the site's own logins (and the owner) may connect or make temporary tables here.
  EXECUTE pg_catalog.format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', pg_catalog.current_database());
  FOR l IN SELECT login FROM public.site_logins LOOP
    EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO %I', pg_catalog.current_database(), l.login);
  END LOOP;
END $$;

-- PostgreSQL 13 and 14 let everyone create objects in public: a kiosk could plant a function
-- there that the reviewer's queries would call. The clients also pin their search_path.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Bounds: text lengths, finite numbers, dates from 2020 on. NOT VALID: rows already here are
-- left as they are; every new row is checked.
ALTER TABLE public.kiosk_events
  ADD CONSTRAINT kiosk_events_bounds CHECK (
    pg_catalog.length(kiosk_name) <= 100 AND pg_catalog.length(model_id) <= 200 AND pg_catalog.length(camera_id) <= 200
    AND at >= '2020-01-01T00:00:00Z' AND tz_offset_min BETWEEN -900 AND 900
  ) NOT VALID;
ALTER TABLE public.kiosk_hours
  ADD CONSTRAINT kiosk_hours_bounds CHECK (
    hour >= '2020-01-01T00:00:00Z' AND tz_offset_min BETWEEN -900 AND 900 AND checks <= 10000000
  ) NOT VALID;
ALTER TABLE public.kiosk_heartbeats
  ADD CONSTRAINT kiosk_heartbeats_bounds CHECK (
    pg_catalog.length(kiosk_name) <= 100 AND pg_catalog.length(state) <= 40 AND pg_catalog.length(model) <= 200
    AND pg_catalog.length(provider) <= 100 AND pg_catalog.length(camera) <= 200 AND pg_catalog.length(version) <= 50
    -- NaN sorts above every number in PostgreSQL, so this also refuses NaN and Infinity.
    AND fps >= 0 AND fps <= 1000 AND queued >= 0 AND at >= '2020-01-01T00:00:00Z'
  ) NOT VALID;

-- Inserts: the kiosk's own rows, from a login of this site, not dated more than a day ahead.
DROP POLICY kiosk_inserts_own ON public.kiosk_events;
DROP POLICY kiosk_inserts_own ON public.kiosk_hours;
DROP POLICY kiosk_inserts_own ON public.kiosk_heartbeats;
CREATE POLICY kiosk_inserts_own ON public.kiosk_events FOR INSERT TO mask_kiosk WITH CHECK (
  kiosk_id = current_user AND at <= pg_catalog.now() + interval '1 day'
  AND EXISTS (SELECT FROM public.site_logins s WHERE s.login = current_user AND s.kind = 'kiosk')
);
CREATE POLICY kiosk_inserts_own ON public.kiosk_hours FOR INSERT TO mask_kiosk WITH CHECK (
  kiosk_id = current_user AND hour <= pg_catalog.now() + interval '1 day'
  AND EXISTS (SELECT FROM public.site_logins s WHERE s.login = current_user AND s.kind = 'kiosk')
);
CREATE POLICY kiosk_inserts_own ON public.kiosk_heartbeats FOR INSERT TO mask_kiosk WITH CHECK (
  kiosk_id = current_user AND at <= pg_catalog.now() + interval '1 day'
  AND EXISTS (SELECT FROM public.site_logins s WHERE s.login = current_user AND s.kind = 'kiosk')
);

-- Reading: a reviewer of this site reads everything; a login of another site nothing.
DROP POLICY reviewer_reads ON public.kiosk_events;
DROP POLICY reviewer_reads ON public.kiosk_hours;
DROP POLICY reviewer_reads ON public.kiosk_heartbeats;
CREATE POLICY reviewer_reads ON public.kiosk_events FOR SELECT TO mask_reviewer
  USING (EXISTS (SELECT FROM public.site_logins s WHERE s.login = current_user AND s.kind = 'reviewer'));
CREATE POLICY reviewer_reads ON public.kiosk_hours FOR SELECT TO mask_reviewer
  USING (EXISTS (SELECT FROM public.site_logins s WHERE s.login = current_user AND s.kind = 'reviewer'));
CREATE POLICY reviewer_reads ON public.kiosk_heartbeats FOR SELECT TO mask_reviewer
  USING (EXISTS (SELECT FROM public.site_logins s WHERE s.login = current_user AND s.kind = 'reviewer'));
