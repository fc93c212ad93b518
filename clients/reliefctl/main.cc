// reliefctl: the command-line client of reliefd. See cli.h.
#include <iostream>

#include "clients/reliefctl/cli.h"

int main(int argc, char** argv) {
  return reliefctl::RunReliefctl(argc, argv, std::cout, std::cerr);
}
