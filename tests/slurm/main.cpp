#include "tests/support/doctest_main.hpp"
