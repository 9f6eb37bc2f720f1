# The unsubscribe endpoint (RELIABILITY.md H1-H4): the parser, the form reader and the pages
# (unit), and the real `urscout web` over loopback sockets against a real store (integration).
urs_unit_test(web unit/test_web.c LIBS urs_web)
urs_unit_test(web_endpoint integration/test_web.c integration/web_util.c
              integration/notify_util.c
              LIBS urs_web urs_notifier PkgConfig::JANSSON PkgConfig::SQLITE LABELS integration)
add_dependencies(test_web_endpoint urscout)
