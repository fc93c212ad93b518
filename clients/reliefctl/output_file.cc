#include "clients/reliefctl/output_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace reliefctl {

OutputFile::OutputFile(std::string path)
    : path_(std::move(path)), temporary_(absl::StrCat(path_, ".tmp")) {}

OutputFile::~OutputFile() {
  if (committed_) return;
  if (file_.is_open()) file_.close();
  std::remove(temporary_.c_str());
}

absl::Status OutputFile::Open() {
  file_.open(temporary_, std::ios::binary | std::ios::trunc);
  if (!file_) {
    return absl::UnavailableError(absl::StrCat(
        "cannot write ", temporary_, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

void OutputFile::Write(absl::string_view data) {
  file_.write(data.data(), static_cast<std::streamsize>(data.size()));
}

absl::Status OutputFile::Commit() {
  file_.close();
  if (!file_) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", temporary_, " (disk full?)"));
  }
  if (std::rename(temporary_.c_str(), path_.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot rename ", temporary_,
                                               " to ", path_, ": ",
                                               std::strerror(errno)));
  }
  committed_ = true;
  return absl::OkStatus();
}

absl::Status WriteWholeFile(const std::string& path,
                            absl::string_view content) {
  OutputFile file(path);
  if (auto s = file.Open(); !s.ok()) return s;
  file.Write(content);
  return file.Commit();
}

}  // namespace reliefctl
