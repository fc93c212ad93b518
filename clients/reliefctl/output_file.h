// A file written whole or not at all: the content goes to "<path>.tmp",
// which Commit() renames to `path`. Destroyed before Commit (an error, an
// interrupted export), the temporary file is removed, so a reader never
// finds half a sample list or half an export under the real name.
#ifndef RELIEF_CLIENTS_RELIEFCTL_OUTPUT_FILE_H_
#define RELIEF_CLIENTS_RELIEFCTL_OUTPUT_FILE_H_

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace reliefctl {

class OutputFile {
 public:
  explicit OutputFile(std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Creates the temporary file.
  absl::Status Open();
  void Write(absl::string_view data);
  // Flushes, closes and renames; an error names the file.
  absl::Status Commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temporary_;
  std::ofstream file_;
  bool committed_ = false;
};

// `content` to `path` through OutputFile.
absl::Status WriteWholeFile(const std::string& path, absl::string_view content);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_OUTPUT_FILE_H_
