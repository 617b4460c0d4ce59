/* Unit tests of the cps program's own pieces: the cleos-style JSON layout (pretty.c) and the
 * command-line parser (args.c). The program's sources are not part of libcps, so the two files
 * are compiled into this test directly. End-to-end behaviour is in cli.test.sh. */
#include "cli/args.c"
#include "cli/pretty.c"

#include "test.h"

static char *pretty(const char *json)
{
    static char text[4096];
    cps_buf b;
    cps_buf_init(&b);
    if (cps_cli_json_pretty(&b, json, strlen(json)) != 0 || b.size >= sizeof text) {
        cps_buf_free(&b);
        return NULL;
    }
    memcpy(text, b.data, b.size);
    text[b.size] = '\0';
    cps_buf_free(&b);
    return text;
}

#define ASSERT_PRETTY(json, expected)                                                              \
    do {                                                                                           \
        const char *got_ = pretty(json);                                                           \
        ASSERT_MSG(got_ != NULL && strcmp(got_, expected) == 0, "pretty(%s):\n%s\nexpected:\n%s",  \
                   json, got_ ? got_ : "(failed)", expected);                                      \
    } while (0)

TEST(pretty_empty_containers_stay_on_one_line)
{
    ASSERT_PRETTY("{}", "{}");
    ASSERT_PRETTY("[]", "[]");
    ASSERT_PRETTY("{\"a\":{},\"b\":[]}", "{\n  \"a\": {},\n  \"b\": []\n}");
}

TEST(pretty_scalars_are_unchanged)
{
    ASSERT_PRETTY("5", "5");
    ASSERT_PRETTY("\"x\"", "\"x\"");
    ASSERT_PRETTY("null", "null");
}

TEST(pretty_object_members_one_per_line_with_colon_space)
{
    ASSERT_PRETTY("{\"a\":1,\"b\":\"two\",\"c\":null}",
                  "{\n  \"a\": 1,\n  \"b\": \"two\",\n  \"c\": null\n}");
}

TEST(pretty_array_of_objects_opens_on_the_same_line_as_fc_does)
{
    ASSERT_PRETTY("{\"a\":[{\"b\":1},{\"c\":2}]}", "{\n"
                                                   "  \"a\": [{\n"
                                                   "      \"b\": 1\n"
                                                   "    },{\n"
                                                   "      \"c\": 2\n"
                                                   "    }\n"
                                                   "  ]\n"
                                                   "}");
}

TEST(pretty_nested_arrays)
{
    ASSERT_PRETTY("[[1,2],[]]", "[[\n    1,\n    2\n  ],[]\n]");
    ASSERT_PRETTY("[\"x\",\"y\"]", "[\n  \"x\",\n  \"y\"\n]");
}

TEST(pretty_leaves_strings_alone)
{
    /* Brackets, commas, colons and escaped quotes inside strings are text, not structure. */
    ASSERT_PRETTY("{\"k\":\"a\\\"b,{[:]}\\\\\",\"l\":\"\\\\\"}",
                  "{\n  \"k\": \"a\\\"b,{[:]}\\\\\",\n  \"l\": \"\\\\\"\n}");
    ASSERT_PRETTY("[\"\\u0001\\n:\"]", "[\n  \"\\u0001\\n:\"\n]");
}

/* ---- parser -------------------------------------------------------------------------------- */

static int run_nothing(cps_cli_ctx *ctx, const cps_cli_args *args)
{
    (void)ctx;
    (void)args;
    return 0;
}

static const cps_cli_option leaf_options[] = {
    {"-k,--key", "TEXT", NULL, "a key", false},
    {"--flag", NULL, NULL, "a flag", false},
    {0},
};
static const cps_cli_positional leaf_positionals[] = {
    {"first", "TEXT", "required", true},
    {"second", "TEXT", "optional", false},
    {0},
};
static const cps_cli_command leaf = {
    .name = "leaf",
    .help = "A leaf",
    .options = leaf_options,
    .positionals = leaf_positionals,
    .run = run_nothing,
};
static const cps_cli_command *const group_subcommands[] = {&leaf, NULL};
static const cps_cli_command group = {
    .name = "group",
    .help = "A group",
    .subcommands = group_subcommands,
};
static const cps_cli_option root_options[] = {
    {"-u,--url", "TEXT", "http://x/", "url", false},
    {"--many", "TEXT", NULL, "repeatable", true},
    {0},
};
static const cps_cli_command *const root_subcommands[] = {&group, NULL};
static const cps_cli_command root = {
    .name = "prog",
    .help = "Root",
    .options = root_options,
    .subcommands = root_subcommands,
};

static int parse(cps_cli_args *a, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return cps_cli_parse(&root, argc, argv, a);
}

TEST(parse_walks_subcommands_and_collects_values)
{
    cps_cli_args a;
    char *argv[] = {"prog", "--many", "m1",        "group",  "leaf", "one",
                    "-k",   "K",      "--many=m2", "--flag", "two",  NULL};
    int rc = parse(&a, argv);
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(a.depth, 3);
    ASSERT(a.path[2] == &leaf);
    ASSERT(strcmp(cps_cli_arg(&a, 0), "one") == 0);
    ASSERT(strcmp(cps_cli_arg(&a, 1), "two") == 0);
    ASSERT(cps_cli_arg(&a, 2) == NULL);
    ASSERT(strcmp(cps_cli_value(&a, "--key"), "K") == 0);
    ASSERT(strcmp(cps_cli_value(&a, "-k"), "K") == 0);
    ASSERT(cps_cli_flag(&a, "--flag"));
    ASSERT(!cps_cli_flag(&a, "--url"));
    ASSERT(strcmp(cps_cli_value_at(&a, "--many", 0), "m1") == 0);
    ASSERT(strcmp(cps_cli_value_at(&a, "--many", 1), "m2") == 0);
    ASSERT(cps_cli_value_at(&a, "--many", 2) == NULL);
    cps_cli_args_free(&a);
}

TEST(parse_last_value_wins_and_short_value_may_be_attached)
{
    cps_cli_args a;
    char *argv[] = {"prog", "group", "leaf", "-kA", "x", "--key", "B", NULL};
    ASSERT_EQ(parse(&a, argv), 0);
    ASSERT(strcmp(cps_cli_value(&a, "-k"), "B") == 0);
    ASSERT(strcmp(cps_cli_value_at(&a, "-k", 0), "A") == 0);
    cps_cli_args_free(&a);
}

TEST(parse_double_dash_makes_the_rest_positional)
{
    cps_cli_args a;
    char *argv[] = {"prog", "group", "leaf", "--", "-k", NULL};
    ASSERT_EQ(parse(&a, argv), 0);
    ASSERT(strcmp(cps_cli_arg(&a, 0), "-k") == 0);
    ASSERT(cps_cli_value(&a, "-k") == NULL);
    cps_cli_args_free(&a);
}

TEST(parse_help_stops_at_the_command_reached)
{
    cps_cli_args a;
    char *argv[] = {"prog", "group", "--help", "leaf", "--bogus", NULL};
    ASSERT_EQ(parse(&a, argv), 0);
    ASSERT(a.help);
    ASSERT(a.path[a.depth - 1] == &group);
    cps_cli_args_free(&a);
}

static void expect_error(char **argv, const char *message, const cps_cli_command *reached)
{
    cps_cli_args a;
    int rc = parse(&a, argv);
    int depth_ok = a.path[a.depth - 1] == reached;
    int msg_ok = strcmp(cps_last_error(), message) == 0;
    cps_cli_args_free(&a);
    ASSERT_EQ(rc, CPS_ERR_INVALID_ARG);
    ASSERT_MSG(msg_ok, "message \"%s\", expected \"%s\"", cps_last_error(), message);
    ASSERT(depth_ok);
}

TEST(parse_errors_name_the_cause)
{
    expect_error((char *[]){"prog", NULL}, "a subcommand is required", &root);
    expect_error((char *[]){"prog", "group", NULL}, "a subcommand is required", &group);
    expect_error((char *[]){"prog", "nope", NULL}, "unknown command \"nope\" for \"prog\"", &root);
    expect_error((char *[]){"prog", "group", "leaf", NULL}, "missing argument: first", &leaf);
    expect_error((char *[]){"prog", "group", "leaf", "a", "b", "c", NULL},
                 "unexpected argument \"c\"", &leaf);
    expect_error((char *[]){"prog", "group", "leaf", "a", "--nope", NULL}, "unknown option --nope",
                 &leaf);
    expect_error((char *[]){"prog", "group", "leaf", "a", "-k", NULL},
                 "option -k needs a value (TEXT)", &leaf);
    expect_error((char *[]){"prog", "group", "leaf", "a", "--flag=1", NULL},
                 "option --flag takes no value", &leaf);
    /* An option of a subcommand is not accepted before that subcommand. */
    expect_error((char *[]){"prog", "--flag", "group", "leaf", "a", NULL}, "unknown option --flag",
                 &root);
}

TEST(help_lists_positionals_options_and_subcommands)
{
    cps_cli_args a;
    char *argv[] = {"prog", "group", "leaf", "--help", NULL};
    ASSERT_EQ(parse(&a, argv), 0);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    cps_cli_print_help(f, &a);
    fclose(f);
    cps_cli_args_free(&a);
    const char *expected = "A leaf\n"
                           "Usage: prog group leaf [OPTIONS] first [second]\n"
                           "\n"
                           "Positionals:\n"
                           "  first TEXT REQUIRED         required\n"
                           "  second TEXT                 optional\n"
                           "\n"
                           "Options:\n"
                           "  -h,--help                   Print this help message and exit\n"
                           "  -k,--key TEXT               a key\n"
                           "  --flag                      a flag\n";
    int same = strcmp(text, expected) == 0;
    ASSERT_MSG(same, "help:\n%s", text);
    free(text);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
