-- A login for staff review across all entrances: it may read, nothing more.
-- psql "postgres://owner@host/maskkiosk" -v login=review_desk -v password='…' -f site/add-reviewer.sql
CREATE ROLE :"login" LOGIN PASSWORD :'password' IN ROLE mask_reviewer;
