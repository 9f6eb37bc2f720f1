# Notifier tests: MIME, tokens and rendering (unit); digests and delivery against a real SMTP
# server on loopback and a real Maildir (integration).
urs_unit_test(notifier unit/test_notifier.c LIBS urs_notifier)
urs_unit_test(notify integration/test_notify.c integration/notify_util.c
              LIBS urs_notifier PkgConfig::JANSSON PkgConfig::SQLITE LABELS integration)
urs_unit_test(notify_store integration/test_notify_store.c integration/notify_util.c
              LIBS urs_notifier PkgConfig::JANSSON PkgConfig::SQLITE LABELS integration)
urs_unit_test(notify_cli integration/test_notify_cli.c integration/notify_util.c
              LIBS urs_notifier PkgConfig::JANSSON PkgConfig::SQLITE LABELS integration)
add_dependencies(test_notify_cli urscout)
