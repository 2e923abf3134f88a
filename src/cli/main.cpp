// cmbulk's entry point: parses the command line and hands over to the library.
#include "cmbulk/exit_status.hpp"

#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
        std::cout << "cmbulk " << CMBULK_VERSION << "\n";
        return cmbulk::exit_success;
    }
    std::cerr << "usage: cmbulk <command> [options]\n";
    return cmbulk::exit_usage;
}
