# The coach desk's sign-in (web/coach_auth.c, db/coach.c): passwords, sessions, lockout, on a
# real SQLite file.
urs_unit_test(coach_auth unit/test_coach_auth.c LIBS urs_web PkgConfig::SQLITE PkgConfig::OPENSSL)
# The desk's pages through the server's dispatch: sign-in, only one's own cohorts, CSRF.
urs_unit_test(coach_desk unit/test_coach_desk.c LIBS urs_web PkgConfig::SQLITE)
