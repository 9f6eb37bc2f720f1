# The unsubscribe endpoint (RELIABILITY.md H1-H4): the parser, the form reader and the pages.
urs_unit_test(web unit/test_web.c LIBS urs_web)
