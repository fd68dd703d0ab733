-- A login for one kiosk: it may insert its own events, hours and heartbeats, nothing more.
-- psql "postgres://owner@host/maskkiosk?sslmode=verify-full" -v login=kiosk_north -v password='SCRAM-SHA-256$…' -f site/add-kiosk.sql
-- Give the password as a SCRAM verifier (what `npm run site -- add-kiosk` sends, or psql's
-- \password writes): a password in clear would reach the server's log when statements are logged.
CREATE ROLE :"login" LOGIN PASSWORD :'password' IN ROLE mask_kiosk;
SELECT public.site_register_login(:'login', 'kiosk');
