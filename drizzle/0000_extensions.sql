-- pg_trgm backs typo-tolerant catalog search (design.md §9); drizzle-kit does not write CREATE EXTENSION.
-- gen_random_uuid() is core since PostgreSQL 13, so pgcrypto is not needed.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
