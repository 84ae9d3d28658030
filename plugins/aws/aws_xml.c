/*
 * The few XML reads the aws plugin needs (IAM, STS and Route 53 answer in
 * XML). libxml2 parses with the network off and entities left unexpanded,
 * so a hostile reply cannot fetch anything or blow up in size; elements
 * are matched by local name, which ignores the AWS namespaces.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "aws.h"

xmlDocPtr aws_xml_parse(const char *text, size_t len)
{
	if (text == NULL || len == 0 || len > INT_MAX)
		return NULL;
	return xmlReadMemory(text, (int)len, "reply.xml", NULL,
	                     XML_PARSE_NONET | XML_PARSE_NOERROR |
	                         XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
}

static int named(xmlNodePtr n, const char *name, size_t name_len)
{
	return n->type == XML_ELEMENT_NODE && n->name != NULL &&
	       strlen((const char *)n->name) == name_len &&
	       memcmp(n->name, name, name_len) == 0;
}

xmlNodePtr aws_xml_child(xmlNodePtr parent, const char *name)
{
	if (parent == NULL || name == NULL)
		return NULL;
	for (xmlNodePtr c = parent->children; c != NULL; c = c->next)
		if (named(c, name, strlen(name)))
			return c;
	return NULL;
}

xmlNodePtr aws_xml_next(xmlNodePtr node, const char *name)
{
	if (node == NULL || name == NULL)
		return NULL;
	for (xmlNodePtr c = node->next; c != NULL; c = c->next)
		if (named(c, name, strlen(name)))
			return c;
	return NULL;
}

xmlNodePtr aws_xml_path(xmlNodePtr from, const char *path)
{
	xmlNodePtr cur = from;

	if (from == NULL || path == NULL)
		return NULL;
	while (*path != '\0' && cur != NULL) {
		size_t n = strcspn(path, "/");
		xmlNodePtr c;

		for (c = cur->children; c != NULL; c = c->next)
			if (named(c, path, n))
				break;
		cur = c;
		path += n;
		if (*path == '/')
			path++;
	}
	return cur;
}

xmlNodePtr aws_xml_find(xmlNodePtr from, const char *name)
{
	if (from == NULL || name == NULL)
		return NULL;
	for (xmlNodePtr c = from->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (named(c, name, strlen(name)))
			return c;
		xmlNodePtr deep = aws_xml_find(c, name);
		if (deep != NULL)
			return deep;
	}
	return NULL;
}

char *aws_xml_text(xmlNodePtr node)
{
	xmlChar *content;
	char *copy;

	if (node == NULL)
		return NULL;
	content = xmlNodeGetContent(node);
	copy = strdup(content != NULL ? (const char *)content : "");
	xmlFree(content);
	return copy;
}

char *aws_xml_get(xmlNodePtr from, const char *path)
{
	return aws_xml_text(aws_xml_path(from, path));
}

int aws_xml_error(xmlDocPtr doc, char **code, char **message)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), err;

	*code = NULL;
	*message = NULL;
	if (root == NULL)
		return -1;
	err = named(root, "Error", 5) ? root : aws_xml_find(root, "Error");
	if (err != NULL) {
		*code = aws_xml_get(err, "Code");
		*message = aws_xml_get(err, "Message");
	} else {
		/* <InvalidChangeBatch><messages><Message>...: the root names
		 * the error (Route 53). */
		*code = strdup((const char *)root->name);
		*message = aws_xml_text(aws_xml_find(root, "Message"));
	}
	return *code != NULL ? 0 : -1;
}

char *aws_xml_escape(const char *in)
{
	size_t n = 0;
	char *out, *o;

	if (in == NULL)
		return NULL;
	for (const char *p = in; *p != '\0'; p++)
		n += strchr("&<>\"'", *p) != NULL ? 6 : 1;
	out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (const char *p = in; *p != '\0'; p++) {
		const char *rep = NULL;

		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		default:
			*o++ = *p;
			continue;
		}
		size_t l = strlen(rep);
		memcpy(o, rep, l);
		o += l;
	}
	*o = '\0';
	return out;
}

xmlDocPtr aws_xml_reply(const struct es_reply *r)
{
	return aws_xml_parse(r->body, r->body_len);
}
