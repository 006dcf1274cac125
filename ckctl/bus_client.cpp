#include "bus_client.h"

#include <cerrno>
#include <cstring>
#include <type_traits>

#include "exit_status.h"

namespace ck::ckctl {
namespace {

// Throws a server error when an sd-bus call on a message failed (a malformed reply from ckd).
void check_message(int result, const char* what) {
  if (result < 0) {
    throw CommandError(ExitStatus::server_error,
                       std::string("cannot ") + what + " ckd's message: " + std::strerror(-result));
  }
}

// D-Bus errors whose cause is the daemon being absent rather than refusing.
bool means_daemon_absent(std::string_view name) {
  return name == SD_BUS_ERROR_SERVICE_UNKNOWN || name == SD_BUS_ERROR_NAME_HAS_NO_OWNER ||
         name == SD_BUS_ERROR_NO_SERVER || name == SD_BUS_ERROR_DISCONNECTED;
}

CommandError error_from_reply(const sd_bus_error* error, const std::string& bus_description) {
  const std::string name = error->name ? error->name : "unnamed error";
  const std::string message = error->message ? error->message : "";
  if (name == "org.ckernel.Error.PermissionDenied" || name == SD_BUS_ERROR_ACCESS_DENIED) {
    return {ExitStatus::permission_denied, "permission denied: " + message + " [" + name + "]"};
  }
  if (means_daemon_absent(name)) {
    return {ExitStatus::daemon_not_running, "ckd is not running: nobody owns " + std::string(kManagerName) +
                                                " on " + bus_description + " [" + name + "]"};
  }
  return {ExitStatus::server_error, message + " [" + name + "]"};
}

int dispatch_signal(sd_bus_message* message, void* userdata, sd_bus_error*) {
  auto* handler = static_cast<SignalHandler*>(userdata);
  if (*handler->failure) return 0;  // already failing: the first error is the one reported
  try {
    Message signal(message);
    handler->handle(signal);
  } catch (...) {
    *handler->failure = std::current_exception();
  }
  return 0;
}

}  // namespace

std::string BusChoice::describe() const {
  if (!address.empty()) return "the bus at " + address;
  return user ? "the user bus" : "the system bus";
}

Message::Message(sd_bus_message* message) : message_(sd_bus_message_ref(message)) {}

Message::~Message() { sd_bus_message_unref(message_); }

std::string Message::read_string() {
  const char* text = nullptr;
  check_message(sd_bus_message_read_basic(message_, 's', &text), "read a string from");
  return text;
}

std::string Message::read_object_path() {
  const char* path = nullptr;
  check_message(sd_bus_message_read_basic(message_, 'o', &path), "read an object path from");
  return path;
}

uint64_t Message::read_uint64() {
  uint64_t number = 0;
  check_message(sd_bus_message_read_basic(message_, 't', &number), "read a number from");
  return number;
}

BusValueMap Message::read_dictionary() {
  BusValueMap values;
  for_each_entry("sv", [&](Message& entry) {
    std::string key = entry.read_string();
    values[std::move(key)] = entry.read_variant();
  });
  return values;
}

void Message::for_each_entry(const char* entry_contents, const std::function<void(Message&)>& read_entry) {
  const std::string array_contents = std::string("{") + entry_contents + "}";
  check_message(sd_bus_message_enter_container(message_, 'a', array_contents.c_str()), "open an array in");
  for (;;) {
    const int entered = sd_bus_message_enter_container(message_, 'e', entry_contents);
    check_message(entered, "open a dictionary entry in");
    if (entered == 0) break;
    read_entry(*this);
    check_message(sd_bus_message_exit_container(message_), "close a dictionary entry in");
  }
  check_message(sd_bus_message_exit_container(message_), "close an array in");
}

BusValue Message::read_variant() {
  char type = 0;
  const char* contents = nullptr;
  check_message(sd_bus_message_peek_type(message_, &type, &contents), "inspect");
  check_message(sd_bus_message_enter_container(message_, 'v', contents), "open a variant in");
  char inner = 0;
  const char* inner_contents = nullptr;
  check_message(sd_bus_message_peek_type(message_, &inner, &inner_contents), "inspect a variant in");
  // Reads one basic value of D-Bus type `type` as Wire and keeps it as Stored (integers widen).
  const auto read = [&]<typename Wire, typename Stored>(std::type_identity<Wire>,
                                                        std::type_identity<Stored>) {
    Wire wire{};
    check_message(sd_bus_message_read_basic(message_, inner, &wire), "read a value from");
    return BusValue(Stored(wire));
  };
  BusValue value;
  switch (inner) {
    case 's':
    case 'o':
    case 'g':
      value = read(std::type_identity<const char*>{}, std::type_identity<std::string>{});
      break;
    case 'b':
      value = read(std::type_identity<int>{}, std::type_identity<bool>{});
      break;
    case 'y':
      value = read(std::type_identity<uint8_t>{}, std::type_identity<uint64_t>{});
      break;
    case 'q':
      value = read(std::type_identity<uint16_t>{}, std::type_identity<uint64_t>{});
      break;
    case 'u':
      value = read(std::type_identity<uint32_t>{}, std::type_identity<uint64_t>{});
      break;
    case 't':
      value = read(std::type_identity<uint64_t>{}, std::type_identity<uint64_t>{});
      break;
    case 'n':
      value = read(std::type_identity<int16_t>{}, std::type_identity<int64_t>{});
      break;
    case 'i':
      value = read(std::type_identity<int32_t>{}, std::type_identity<int64_t>{});
      break;
    case 'x':
      value = read(std::type_identity<int64_t>{}, std::type_identity<int64_t>{});
      break;
    case 'd':
      value = read(std::type_identity<double>{}, std::type_identity<double>{});
      break;
    default:
      if (inner == 'a' && (std::strcmp(inner_contents, "s") == 0 || std::strcmp(inner_contents, "o") == 0)) {
        value = read_string_array(inner_contents[0]);
      } else {
        check_message(sd_bus_message_skip(message_, nullptr), "skip a value in");
      }
  }
  check_message(sd_bus_message_exit_container(message_), "close a variant in");
  return value;
}

std::vector<std::string> Message::read_string_array(char element_type) {
  const char contents[] = {element_type, '\0'};
  check_message(sd_bus_message_enter_container(message_, 'a', contents), "open an array in");
  std::vector<std::string> texts;
  for (;;) {
    const char* text = nullptr;
    const int got = sd_bus_message_read_basic(message_, element_type, &text);
    check_message(got, "read an array element from");
    if (got == 0) break;
    texts.emplace_back(text);
  }
  check_message(sd_bus_message_exit_container(message_), "close an array in");
  return texts;
}

MethodCall::MethodCall(sd_bus* bus, const char* path, const char* interface, const char* method) {
  check_message(sd_bus_message_new_method_call(bus, &message_, kManagerName, path, interface, method),
                "create");
}

MethodCall::~MethodCall() { sd_bus_message_unref(message_); }

MethodCall& MethodCall::arg(std::string_view text) {
  check_message(sd_bus_message_append_basic(message_, 's', std::string(text).c_str()), "append to");
  return *this;
}

MethodCall& MethodCall::arg(uint64_t number) {
  check_message(sd_bus_message_append_basic(message_, 't', &number), "append to");
  return *this;
}

MethodCall& MethodCall::arg(const CallOptions& options) {
  check_message(sd_bus_message_open_container(message_, 'a', "{sv}"), "append to");
  for (const auto& [key, value] : options) {
    check_message(sd_bus_message_open_container(message_, 'e', "sv"), "append to");
    check_message(sd_bus_message_append_basic(message_, 's', key.c_str()), "append to");
    std::visit(
        [&](const auto& typed) {
          using T = std::decay_t<decltype(typed)>;
          if constexpr (std::is_same_v<T, std::string>) {
            check_message(sd_bus_message_append(message_, "v", "s", typed.c_str()), "append to");
          } else if constexpr (std::is_same_v<T, uint32_t>) {
            check_message(sd_bus_message_append(message_, "v", "u", typed), "append to");
          } else if constexpr (std::is_same_v<T, uint64_t>) {
            check_message(sd_bus_message_append(message_, "v", "t", typed), "append to");
          } else if constexpr (std::is_same_v<T, int32_t>) {
            check_message(sd_bus_message_append(message_, "v", "i", typed), "append to");
          } else {
            check_message(sd_bus_message_append(message_, "v", "d", typed), "append to");
          }
        },
        value);
    check_message(sd_bus_message_close_container(message_), "append to");
  }
  check_message(sd_bus_message_close_container(message_), "append to");
  return *this;
}

sd_bus* BusClient::connection() {
  if (bus_ != nullptr) return bus_;
  const BusChoice& choice = choice_;
  int result = 0;
  if (!choice.address.empty()) {
    result = sd_bus_new(&bus_);
    if (result >= 0) result = sd_bus_set_address(bus_, choice.address.c_str());
    if (result >= 0) result = sd_bus_set_bus_client(bus_, 1);
    if (result >= 0) result = sd_bus_start(bus_);
  } else {
    result = choice.user ? sd_bus_open_user(&bus_) : sd_bus_open_system(&bus_);
  }
  if (result < 0) {
    sd_bus_unref(bus_);
    bus_ = nullptr;
    throw CommandError(ExitStatus::daemon_not_running, "ckd is not reachable: cannot connect to " +
                                                           choice.describe() + ": " + std::strerror(-result));
  }
  return bus_;
}

BusClient::~BusClient() { sd_bus_flush_close_unref(bus_); }

MethodCall BusClient::manager_call(const char* method) {
  return MethodCall(connection(), kManagerPath, kManagerInterface, method);
}

MethodCall BusClient::call(const char* path, const char* interface, const char* method) {
  return MethodCall(connection(), path, interface, method);
}

Message BusClient::invoke(const MethodCall& call, Wait wait) {
  struct PendingReply {
    sd_bus_message* reply = nullptr;
  } pending;
  const auto on_reply = [](sd_bus_message* reply, void* userdata, sd_bus_error*) {
    static_cast<PendingReply*>(userdata)->reply = sd_bus_message_ref(reply);
    return 0;
  };
  sd_bus_slot* slot = nullptr;
  const uint64_t timeout = wait == Wait::until_done ? UINT64_MAX : 0;  // 0: sd-bus's default of 25 s
  const int sent = sd_bus_call_async(bus_, &slot, call.get(), on_reply, &pending, timeout);
  if (sent < 0) {
    throw CommandError(ExitStatus::daemon_not_running,
                       "cannot send to ckd on " + choice_.describe() + ": " + std::strerror(-sent));
  }
  const std::unique_ptr<sd_bus_slot, decltype(&sd_bus_slot_unref)> slot_owner(slot, sd_bus_slot_unref);
  while (pending.reply == nullptr && !handler_failure_) {
    int progressed = sd_bus_process(bus_, nullptr);
    if (progressed == 0) progressed = sd_bus_wait(bus_, UINT64_MAX);
    if (progressed < 0 && progressed != -EINTR) {
      throw CommandError(ExitStatus::daemon_not_running,
                         "lost the connection to " + choice_.describe() + ": " + std::strerror(-progressed));
    }
  }
  if (handler_failure_) {
    sd_bus_message_unref(pending.reply);
    std::rethrow_exception(std::exchange(handler_failure_, nullptr));
  }
  Message reply(pending.reply);         // takes its own reference...
  sd_bus_message_unref(pending.reply);  // ...so the callback's one is dropped
  if (const sd_bus_error* error = sd_bus_message_get_error(pending.reply)) {
    throw error_from_reply(error, choice_.describe());
  }
  return reply;
}

SignalSubscription BusClient::subscribe(const char* member, std::function<void(Message&)> handler) {
  auto owned = std::make_unique<SignalHandler>(SignalHandler{std::move(handler), &handler_failure_});
  sd_bus_slot* slot = nullptr;
  // No sender filter: signals arrive from ckd's unique name, and Piece is unicast to us anyway.
  const int result = sd_bus_match_signal(connection(), &slot, nullptr, nullptr, kManagerInterface, member,
                                         dispatch_signal, owned.get());
  if (result < 0) {
    throw CommandError(ExitStatus::daemon_not_running, std::string("cannot subscribe to ") + member + " on " +
                                                           choice_.describe() + ": " +
                                                           std::strerror(-result));
  }
  return SignalSubscription(slot, std::move(owned));
}

}  // namespace ck::ckctl
