#include "http/blocking_pool.h"

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <gtest/gtest.h>

#include "base/result.h"

namespace tessera::http {
namespace {

TEST(BlockingPoolTest, RunsWorkOnPoolAndResumesOnCallerExecutor) {
  BlockingPool pool(2);
  net::io_context io;
  std::thread::id io_thread;
  std::thread::id work_thread;
  std::thread::id resumed_thread;
  int result = 0;
  net::co_spawn(
      io,
      [&]() -> Awaitable<void> {
        io_thread = std::this_thread::get_id();
        result = co_await pool.Run([&] {
          work_thread = std::this_thread::get_id();
          return 42;
        });
        resumed_thread = std::this_thread::get_id();
        co_await pool.Run([&] { ++result; });
      },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  io.run();
  EXPECT_EQ(result, 43);
  EXPECT_NE(work_thread, io_thread);
  EXPECT_EQ(resumed_thread, io_thread);
}

TEST(BlockingPoolTest, CarriesMoveOnlyResultsWithoutDefaultConstructor) {
  BlockingPool pool(1);
  net::io_context io;
  std::optional<Result<std::unique_ptr<int>>> out;
  net::co_spawn(
      io,
      [&]() -> Awaitable<void> {
        out.emplace(co_await pool.Run(
            []() -> Result<std::unique_ptr<int>> { return std::make_unique<int>(7); }));
      },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  io.run();
  ASSERT_TRUE(out && *out);
  EXPECT_EQ(*out->value(), 7);
}

TEST(BlockingPoolTest, KeepsIoContextAliveWhileWorkRuns) {
  BlockingPool pool(1);
  net::io_context io;
  bool finished = false;
  net::co_spawn(
      net::make_strand(io),
      [&]() -> Awaitable<void> {
        co_await pool.Run([] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); });
        finished = true;
      },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  io.run();  // must not return before the work is done
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace tessera::http
