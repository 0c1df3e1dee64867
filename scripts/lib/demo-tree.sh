# Sourced by scripts/quickstart: writes the demo main server's sample data under $1.
write_demo_tree() {
  local root="$1"
  mkdir -p "$root/dumps" "$root/blobs/ab/cd" "$root/data/projects/session 1" "$root/data/empty dir"
  local stamp
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  cat >"$root/dumps/appdb-$stamp.sql" <<'SQL'
--
-- PostgreSQL database dump
--

CREATE TABLE public.subject (subject_id integer PRIMARY KEY, species text NOT NULL);
COPY public.subject (subject_id, species) FROM stdin;
1	mouse
2	rat
\.

--
-- PostgreSQL database dump complete
--

SQL
  head -c 65536 /dev/urandom >"$root/blobs/ab/cd/abcd0001.npy"
  head -c 4096 /dev/urandom >"$root/blobs/ab/cd/abcd0002.npy"
  printf 'trial,response\n1,0.52\n2,0.61\n' >"$root/data/projects/session 1/behaviour.csv"
  printf 'notes about Ümlaut & "quotes"\n' >"$root/data/projects/café notes.txt"
  printf 'scratch\n' >"$root/data/projects/ignore-me.tmp"
  ln -sf "session 1/behaviour.csv" "$root/data/projects/latest.csv"
}
