-- A login for staff review across all entrances: it may read, nothing more.
-- psql "postgres://owner@host/maskkiosk?sslmode=verify-full" -v login=review_desk -v password='SCRAM-SHA-256$…' -f site/add-reviewer.sql
-- (the password as a SCRAM verifier, as in site/add-kiosk.sql)
CREATE ROLE :"login" LOGIN PASSWORD :'password' IN ROLE mask_reviewer;
SELECT public.site_register_login(:'login', 'reviewer');
