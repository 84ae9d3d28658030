/*
 * Fuzz the aws plugin's XML reader (plugins/aws/aws_xml.c), which every
 * IAM, STS, Organizations and Route 53 reply goes through: the input is a
 * reply body, parsed and read the ways the plugin reads replies (error
 * shapes, paths, member lists, paging markers), then escaped back as the
 * plugin escapes values it sends. Seeds: tests/fuzz/aws_xml/.
 */
#include <libxml/parser.h>

#include "aws.h"
#include "fuzz.h"

/* Read every `name` element under `list`, as the plugin walks lists. */
static size_t walk(xmlNodePtr list, const char *name, const char *field)
{
	size_t n = 0;

	for (xmlNodePtr m = aws_xml_child(list, name); m;
	     m = aws_xml_next(m, name), n++)
		free(aws_xml_get(m, field));
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *code, *message;
	xmlDocPtr doc = aws_xml_parse(text, size);
	xmlNodePtr root = xmlDocGetRootElement(doc);

	if (doc) {
		/* Either may be set even when it finds no code (aws.h). */
		aws_xml_error(doc, &code, &message);
		free(code);
		free(message);
	}
	if (root) {
		free(aws_xml_get(root, "ListUsersResult/IsTruncated"));
		free(aws_xml_text(aws_xml_find(root, "Marker")));
		walk(aws_xml_find(root, "Users"), "member", "UserName");
		walk(aws_xml_find(root, "HostedZones"), "HostedZone",
		     "Config/PrivateZone");
		for (xmlNodePtr rrs = aws_xml_find(root, "ResourceRecordSet");
		     rrs; rrs = aws_xml_next(rrs, "ResourceRecordSet"))
			walk(aws_xml_path(rrs, "ResourceRecords/"),
			     "ResourceRecord", "Value");
	}
	xmlFreeDoc(doc);
	free(aws_xml_escape(text));
	free(text);
	return 0;
}
