# Runs the `unit` tests of another build tree (the ASan+UBSan one) from this
# tree's ctest, so that its results count in the final CTest summary.
#   cmake -DBUILD_DIR=... -DWHAT=... -DHOW=... -P run_build_tree_tests.cmake
if(NOT EXISTS "${BUILD_DIR}/CTestTestfile.cmake")
  message(FATAL_ERROR
    "The ${WHAT} build tree ${BUILD_DIR} has not been built, so its unit tests cannot run.\n"
    "Build it with `bash scripts/test.sh` (or: cmake -S . -B ${BUILD_DIR} ${HOW} "
    "-DALMANAC_BENCH=OFF && cmake --build ${BUILD_DIR} -j2).")
endif()
execute_process(
  COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${BUILD_DIR} -L unit --output-on-failure -j2
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${WHAT} unit tests in ${BUILD_DIR} failed (ctest exit ${rc}); see above.")
endif()
