-- A login for one kiosk: it may insert its own events, hours and heartbeats, nothing more.
-- psql "postgres://owner@host/maskkiosk" -v login=kiosk_north -v password='…' -f site/add-kiosk.sql
-- (or: npm run site -- add-kiosk --url … --login kiosk_north, which makes up the password)
CREATE ROLE :"login" LOGIN PASSWORD :'password' IN ROLE mask_kiosk;
