/*
 * The host's JSON table (core/host_json.c) as plugins see it: 64-bit
 * integers that stay exact past 2^53 through parse, read, build and
 * print; null members; exact member names that path syntax cannot reach.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host_tables.h"

static const struct es_json_api *const J = &es_host_json;

static es_json *parse(const char *text)
{
	es_json *root = J->parse(text, strlen(text));

	ck_assert_ptr_nonnull(root);
	return root;
}

/* The compact text of `node`, checked against `want`. */
static void expect_print(const es_json *node, const char *want)
{
	char *text = J->print(node);

	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, want);
	free(text);
}

START_TEST(test_table_is_complete)
{
	ck_assert_uint_eq(J->struct_size, sizeof(struct es_json_api));
	ck_assert_ptr_nonnull(J->get_int64);
	ck_assert_ptr_nonnull(J->set_int64);
	ck_assert_ptr_nonnull(J->set_null);
	ck_assert_ptr_nonnull(J->member);
}
END_TEST

START_TEST(test_get_int64_exact_past_2_53)
{
	/* 2^53 + 1 is the first integer a double cannot hold. Strings
	 * before it carry digits and escaped quotes, which must not be
	 * taken for numbers. */
	es_json *root = parse("{\"s\": \"x\\\" 1234567890123456789 \\\"\","
	                      " \"id\": 9007199254740993,"
	                      " \"max\": 9223372036854775807,"
	                      " \"min\": -9223372036854775808,"
	                      " \"a\": [1, {\"n\": 12345678901234567}],"
	                      " \"small\": 42, \"neg\": -7, \"zero\": 0}");

	ck_assert_int_eq(J->get_int64(root, "id", -1), 9007199254740993LL);
	ck_assert_int_eq(J->get_int64(root, "max", -1), INT64_MAX);
	ck_assert_int_eq(J->get_int64(root, "min", -1), INT64_MIN);
	ck_assert_int_eq(J->get_int64(root, "a[0]", -1), 1);
	ck_assert_int_eq(J->get_int64(root, "a[1].n", -1), 12345678901234567LL);
	ck_assert_int_eq(J->get_int64(root, "small", -1), 42);
	ck_assert_int_eq(J->get_int64(root, "neg", -1), -7);
	ck_assert_int_eq(J->get_int64(root, "zero", -1), 0);
	/* Still numbers to every other reader. */
	ck_assert_int_eq(J->kind(J->get(root, "id")), ES_JSON_NUMBER);
	ck_assert(J->get_number(root, "id", -1) == 9007199254740992.0);
	ck_assert_ptr_null(J->get_string(root, "id"));
	ck_assert_str_eq(J->get_string(root, "s"),
	                 "x\" 1234567890123456789 \"");
	/* print gives the digits back as they came. */
	expect_print(J->get(root, "id"), "9007199254740993");
	expect_print(J->get(root, "a"), "[1,{\"n\":12345678901234567}]");
	J->free(root);
}
END_TEST

START_TEST(test_get_int64_fallbacks)
{
	es_json *root = parse("{\"frac\": 2.5, \"whole\": 2.0, \"exp\": 1e3,"
	                      " \"huge\": 99999999999999999999,"
	                      " \"tiny\": -99999999999999999999,"
	                      " \"far\": 1e300, \"str\": \"12\", \"b\": true,"
	                      " \"nul\": null, \"arr\": [], \"obj\": {}}");

	ck_assert_int_eq(J->get_int64(root, "frac", -1), -1);
	/* A fraction or an exponent goes through a double: integral
	 * values are still integers. */
	ck_assert_int_eq(J->get_int64(root, "whole", -1), 2);
	ck_assert_int_eq(J->get_int64(root, "exp", -1), 1000);
	ck_assert_int_eq(J->get_int64(root, "huge", -1), -1);
	ck_assert_int_eq(J->get_int64(root, "tiny", -1), -1);
	ck_assert_int_eq(J->get_int64(root, "far", -1), -1);
	ck_assert_int_eq(J->get_int64(root, "str", -1), -1);
	ck_assert_int_eq(J->get_int64(root, "b", -1), -1);
	ck_assert_int_eq(J->get_int64(root, "nul", -1), -1);
	ck_assert_int_eq(J->get_int64(root, "arr", -1), -1);
	ck_assert_int_eq(J->get_int64(root, "obj", -1), -1);
	ck_assert_int_eq(J->get_int64(root, "missing", 7), 7);
	ck_assert_int_eq(J->get_int64(NULL, "x", 8), 8);
	/* Out of int64's range, but a number all the same. */
	ck_assert_int_eq(J->kind(J->get(root, "huge")), ES_JSON_NUMBER);
	ck_assert(J->get_number(root, "huge", -1) > 9.9e19);
	expect_print(J->get(root, "huge"), "99999999999999999999");
	J->free(root);
}
END_TEST

START_TEST(test_top_level_long_integer)
{
	es_json *root = parse("-1234567890123456789");

	ck_assert_int_eq(J->kind(root), ES_JSON_NUMBER);
	ck_assert_int_eq(J->get_int64(root, "", 0), -1234567890123456789LL);
	J->free(root);
	ck_assert_ptr_null(J->parse("{\"id\": 12345678901234567", 24));
}
END_TEST

START_TEST(test_set_int64)
{
	es_json *o = J->new_object();
	es_json *a = J->new_array();

	J->set_int64(o, "id", 9007199254740993LL);
	J->set_int64(o, "max", INT64_MAX);
	J->set_int64(o, "min", INT64_MIN);
	J->set_int64(o, "n", 5);
	expect_print(o, "{\"id\":9007199254740993,\"max\":9223372036854775807,"
	                "\"min\":-9223372036854775808,\"n\":5}");
	ck_assert_int_eq(J->get_int64(o, "id", 0), 9007199254740993LL);
	ck_assert_int_eq(J->get_int64(o, "min", 0), INT64_MIN);
	ck_assert_int_eq(J->kind(J->get(o, "n")), ES_JSON_NUMBER);
	ck_assert(J->get_number(o, "n", 0) == 5.0);
	/* Like every builder, a second set replaces the member. */
	J->set_int64(o, "n", -6);
	ck_assert_int_eq(J->get_int64(o, "n", 0), -6);
	ck_assert_uint_eq(J->array_size(o), 4);
	/* Not an object, or no name: nothing happens. */
	J->set_int64(a, "x", 1);
	J->set_int64(o, NULL, 1);
	J->set_int64(NULL, "x", 1);
	ck_assert_uint_eq(J->array_size(a), 0);
	ck_assert_uint_eq(J->array_size(o), 4);
	J->free(a);
	J->free(o);
}
END_TEST

START_TEST(test_round_trip)
{
	const char *text = "{\"id\":18446744073709551615,"
	                   "\"ids\":[9007199254740993,-9007199254740993],"
	                   "\"x\":1.5}";
	es_json *root = parse(text);

	expect_print(root, text);
	ck_assert_int_eq(J->get_int64(root, "ids[1]", 0), -9007199254740993LL);
	J->free(root);
}
END_TEST

START_TEST(test_set_null)
{
	es_json *o = J->new_object();

	J->set_string(o, "description", "old");
	J->set_null(o, "description");
	J->set_null(o, "tags");
	ck_assert_int_eq(J->kind(J->get(o, "description")), ES_JSON_NULL);
	ck_assert_ptr_null(J->get_string(o, "description"));
	expect_print(o, "{\"description\":null,\"tags\":null}");
	J->set_null(NULL, "x");
	J->set_null(o, NULL);
	ck_assert_uint_eq(J->array_size(o), 2);
	J->free(o);
}
END_TEST

START_TEST(test_member_exact_name)
{
	es_json *root = parse("{\"@odata.nextLink\": \"https://graph.example/"
	                      "next\", \"value\": [1], \"a\": {\"b\": 2},"
	                      " \"a.b\": 3, \"x[0]\": 4, \"Case\": 5}");
	es_json *arr = J->member(root, "value");

	/* get() cannot reach names holding path syntax; member() can. */
	ck_assert_ptr_null(J->get(root, "@odata.nextLink"));
	ck_assert_str_eq(J->get_string(J->member(root, "@odata.nextLink"), ""),
	                 "https://graph.example/next");
	ck_assert_int_eq(J->get_int64(J->member(root, "a.b"), "", 0), 3);
	ck_assert_int_eq(J->get_int64(root, "a.b", 0), 2);
	ck_assert_int_eq(J->get_int64(J->member(root, "x[0]"), "", 0), 4);
	ck_assert_int_eq(J->kind(arr), ES_JSON_ARRAY);
	/* Case-sensitive, objects only, NULL-safe. */
	ck_assert_ptr_nonnull(J->member(root, "Case"));
	ck_assert_ptr_null(J->member(root, "case"));
	ck_assert_ptr_null(J->member(root, "missing"));
	ck_assert_ptr_null(J->member(arr, "0"));
	ck_assert_ptr_null(J->member(root, NULL));
	ck_assert_ptr_null(J->member(NULL, "value"));
	ck_assert_str_eq(J->name(J->member(root, "@odata.nextLink")),
	                 "@odata.nextLink");
	J->free(root);
}
END_TEST

static Suite *host_json_suite(void)
{
	Suite *s = suite_create("host_json");
	TCase *t = tcase_create("host_json");

	tcase_add_test(t, test_table_is_complete);
	tcase_add_test(t, test_get_int64_exact_past_2_53);
	tcase_add_test(t, test_get_int64_fallbacks);
	tcase_add_test(t, test_top_level_long_integer);
	tcase_add_test(t, test_set_int64);
	tcase_add_test(t, test_round_trip);
	tcase_add_test(t, test_set_null);
	tcase_add_test(t, test_member_exact_name);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(host_json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
