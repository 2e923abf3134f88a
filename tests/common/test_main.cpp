// The shared Boost.Test entry point: every test executable links this file, so none defines
// its own main.
#define BOOST_TEST_MODULE cmbulk
#include <boost/test/unit_test.hpp>
