-- Version 2: a violation may carry its blurred thumbnail (JPEG), only from kiosks whose staff turned
-- on "ship the blurred thumbnail"; otherwise no picture ever reaches the site database.
ALTER TABLE kiosk_events ADD COLUMN thumbnail bytea CHECK (octet_length(thumbnail) <= 262144);
