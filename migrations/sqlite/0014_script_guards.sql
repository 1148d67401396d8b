-- The guard of a write script (src/store/script.rs): after a statement that must change a row,
-- the script inserts NULL here when it changed none, and the NOT NULL failure, with OR ROLLBACK,
-- undoes the whole transaction. No row is ever stored. PostgreSQL runs a script's statements one
-- by one and checks each in the program, so it has no such table.
CREATE TABLE script_guards (changed INTEGER NOT NULL);
