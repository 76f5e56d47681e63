-- Sign-in is throttled in memory per address and per account (waits, never
-- a lock), so the stored lock is gone; the failure count stays for admins.
ALTER TABLE users DROP COLUMN locked_until;
