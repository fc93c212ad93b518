// gRPC health checking and server reflection are on, and answer without a
// bearer token (probes and grpcurl do not carry one).
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

namespace health = ::grpc::health::v1;
namespace reflection = ::grpc::reflection::v1alpha;

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
}

class HealthReflectionTest : public ReliefdTest {
 protected:
  // One request on the reflection stream, one response back.
  ::testing::AssertionResult Reflect(const reflection::ServerReflectionRequest& request,
                                     reflection::ServerReflectionResponse* response) {
    auto stub = reflection::ServerReflection::NewStub(server().channel());
    grpc::ClientContext context;
    SetDeadline(&context);
    auto stream = stub->ServerReflectionInfo(&context);
    if (!stream->Write(request)) {
      return ::testing::AssertionFailure() << "reflection: write failed";
    }
    stream->WritesDone();
    if (!stream->Read(response)) {
      grpc::Status status = stream->Finish();
      return ::testing::AssertionFailure()
             << "reflection: no response: " << status.error_code() << " "
             << status.error_message();
    }
    reflection::ServerReflectionResponse extra;
    while (stream->Read(&extra)) {
    }
    grpc::Status status = stream->Finish();
    if (!status.ok()) {
      return ::testing::AssertionFailure()
             << "reflection: " << status.error_code() << " "
             << status.error_message();
    }
    return ::testing::AssertionSuccess();
  }
};

TEST_F(HealthReflectionTest, HealthCheckServing) {
  auto stub = health::Health::NewStub(server().channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  health::HealthCheckRequest request;
  request.set_service("");
  health::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING);
}

TEST_F(HealthReflectionTest, ReflectionListsTheServices) {
  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  reflection::ServerReflectionResponse response;
  ASSERT_TRUE(Reflect(request, &response));
  ASSERT_TRUE(response.has_list_services_response()) << response.ShortDebugString();
  std::set<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.insert(service.name());
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf({"relief.v1.LedgerService",
                                              "relief.v1.QueryService",
                                              "relief.v1.AuditService"}));
}

TEST_F(HealthReflectionTest, ReflectionServesDescriptors) {
  for (const std::string& symbol :
       {std::string("relief.v1.LedgerService"), std::string("relief.v1.QueryService"),
        std::string("relief.v1.AuditService")}) {
    reflection::ServerReflectionRequest request;
    request.set_file_containing_symbol(symbol);
    reflection::ServerReflectionResponse response;
    ASSERT_TRUE(Reflect(request, &response)) << symbol;
    ASSERT_TRUE(response.has_file_descriptor_response())
        << symbol << ": " << response.ShortDebugString();
    bool found = false;
    for (const std::string& bytes :
         response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      ASSERT_TRUE(file.ParseFromString(bytes));
      for (const auto& service : file.service()) {
        if (file.package() + "." + service.name() == symbol) found = true;
      }
    }
    EXPECT_TRUE(found) << symbol << " not in the returned descriptors";
  }
}

}  // namespace
}  // namespace relief::testing
