#pragma once

#include <stdexcept>
#include <string>

namespace mspa {

// Raised for any user-supplied file that cannot be used. Carries the file and the problem
// separately so the GUI can show them apart; what() reads "FILE: PROBLEM".
class InputError : public std::runtime_error {
 public:
  InputError(std::string path, std::string problem);

  const std::string& path() const { return path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string path_;
  std::string problem_;
};

// Raised when a long operation stops because its caller asked it to.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace mspa
