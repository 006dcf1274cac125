// Finding and reading the corpus's documents (the rules are in ckernel/engine/train/corpus.h): the file
// system side of TokenCorpus, kept apart from tokenizing; `cktrain vocab` reads its text with these too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace ck::train {

struct DocumentFile {
  std::filesystem::path path;
  uint64_t bytes = 0;  // size when listed
};

// The documents of the inputs, in corpus order. CorpusError for an input that is missing, unreadable or
// neither a regular file nor a directory.
std::vector<DocumentFile> list_document_files(std::span<const std::filesystem::path> inputs);

// The bytes of a regular file. Opened non-blocking and checked after opening, so that whatever the path
// names by then (a FIFO without a writer, say) cannot block; CorpusError names the file and the problem.
std::string read_document(const std::filesystem::path& path);

}  // namespace ck::train
