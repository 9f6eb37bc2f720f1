# Classifier unit tests: tags, rules errors, bad input, threads, the in-repo labelled sets
# (tests/fixtures/classifier) and the classify/explain/reclassify/eval commands.
find_package(Threads REQUIRED)
urs_unit_test(classifier unit/test_classifier.c LIBS urs_classifier Threads::Threads)
