// CAF's deterministic test DSL (test_coordinator, expect/allow/...) on top of
// doctest: include this instead of caf/test/dsl.hpp.
#pragma once

#include <doctest/doctest.h>

#include <caf/test/unit_test.hpp>
#undef CAF_CHECK
#undef CAF_CHECK_EQUAL
#undef CAF_REQUIRE
#undef CAF_REQUIRE_EQUAL
#undef CAF_FAIL
#undef CAF_MESSAGE
#define CAF_CHECK(...) CHECK(__VA_ARGS__)
#define CAF_CHECK_EQUAL(x, y) CHECK((x) == (y))
#define CAF_REQUIRE(...) REQUIRE(__VA_ARGS__)
#define CAF_REQUIRE_EQUAL(x, y) REQUIRE((x) == (y))
#define CAF_FAIL(msg) FAIL(msg)
#define CAF_MESSAGE(msg) static_cast<void>(0)
#include <caf/test/dsl.hpp>
