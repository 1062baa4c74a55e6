-- One store per desk: the clerk who made each change travels with it, whoever is logged in when it is
-- sent. NULL only for mutations written before this column (the pushing session's clerk then).
ALTER TABLE mutations ADD COLUMN clerk_id TEXT;
